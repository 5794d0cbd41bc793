"""Everything Tangguh sends: ``outbound`` (the one queue and its delivery), ``gateways`` (the clients it sends through:
console, Twilio, the Android gateway, web push, SMTP), ``guarded`` (the one client for requests to outside),
``gateway_health`` (is the SMS door open) and ``notices`` (who is told what)."""
