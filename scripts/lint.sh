#!/bin/sh
# Style and safety checks: formatting, cppcheck, banned functions.
set -eu
cd "$(dirname "$0")/.."
files=$(git ls-files '*.c' '*.h')
status=0

echo "clang-format"
# shellcheck disable=SC2086
clang-format --dry-run --Werror $files || status=1

echo "cppcheck"
# shellcheck disable=SC2086
cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
	--suppress=missingIncludeSystem -I. $files || status=1

echo "banned functions"
banned='\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|alloca|tmpnam|mktemp)\s*\('
if grep -nE "$banned" $files; then
	echo "banned functions used (see above)" >&2
	status=1
fi
exit $status
