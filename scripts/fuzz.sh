#!/usr/bin/env bash
# Explore with fresh random seeds: the fuzzers and property tests, more examples than CI runs.
#   FUZZ_SCALE=20 bash scripts/fuzz.sh        (default 5× the CI examples)
# CI (scripts/test.sh) runs the same tests derandomized, so it never fails by chance. Whatever this
# finds is a real fault: fix it and keep the failing input as a fixed example (an @example on the
# property test, or an entry of tests/security/fuzz_api_examples.json for the API), so that CI
# checks it from then on. Hypothesis keeps the failures it found in .hypothesis/ and replays them
# first on the next exploring run.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
ensure_debs "${RUNTIME_DEBS[@]}"
ensure_venv test
compile_translations
FUZZ_EXPLORE=1 FUZZ_SCALE="${FUZZ_SCALE:-5}" "$VENV/bin/pytest" \
  tests/security/test_fuzz_api.py tests/security/test_fuzz_forms.py \
  tests/competition/test_ranking.py tests/competition/test_spreadsheet.py tests/studios/test_assessment.py "$@"
