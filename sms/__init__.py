"""Pure-Python understanding of villagers' SMS: vocabulary, phone numbers, parsing, replies.

Nothing in this package imports Flask or touches a database, so every piece can be tested in
milliseconds and used from the command line (``python -m sms``).
"""
