"""Places: ``gazetteer`` loads the Kemendagri regions and knows their time zones; ``areas`` reads the area and the
period a page of figures covers."""
