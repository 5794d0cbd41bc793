"""The one door every report comes through: ``ingest`` stores, deduplicates, parses and dispatches each message;
``commands`` does what the SMS keywords ask (CEK, DAFTAR, BERHENTI, POSKO, an agency's TERIMA …)."""
