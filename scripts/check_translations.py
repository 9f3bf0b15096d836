"""The translation guard (issue 16), run by `make test` through tests/test_i18n.py.

    python scripts/check_translations.py              # every check
    python scripts/check_translations.py --unmarked   # only the unmarked-text scan
    python scripts/check_translations.py --unmarked templates/ledger ledger   # some paths
    python scripts/check_translations.py --make-messages   # update locale/*/LC_MESSAGES/*.po

Exit status 1 and one line per finding when a user-facing string is not marked for
translation, or a catalogue in locale/ lacks, fuzzes or mistypes a translation.
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unmarked", action="store_true", help="only scan for text not marked for translation")
    parser.add_argument("--make-messages", action="store_true",
                        help="bring the catalogues in locale/ in step with the sources (makemessages)")
    parser.add_argument("paths", nargs="*", help="limit the unmarked scan to these files or folders")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from core.i18n_audit import catalogue_problems, make_messages, unmarked

    if args.make_messages:
        make_messages(ROOT)
        return 0
    findings = unmarked(ROOT)
    if args.paths:
        wanted = [str(Path(p).resolve().relative_to(ROOT)) for p in args.paths]
        findings = [f for f in findings if any(f.startswith(w) for w in wanted)]
    if not args.unmarked:
        findings += catalogue_problems(ROOT)
    for finding in findings:
        print(finding)
    print(f"{len(findings)} finding(s)", file=sys.stderr)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
