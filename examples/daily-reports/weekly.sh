#!/bin/sh
# weekly.sh WEEK: sums the seven daily reports of WEEK (e.g. 2026-W45) into reports/weekly/WEEK.txt
set -eu
data=${PIPELINE_DATA:-$PIPELINE_HOME/data}
week=$1
mkdir -p "$data/reports/weekly"
for day in 1 2 3 4 5 6 7; do cat "$data/reports/daily/$week-$day.txt"; done \
    | awk -v w="$week" '{ split($2, e, "="); split($3, t, "="); n += e[2]; total += t[2]; days++ }
        END { printf "%s days=%d events=%d total=%d\n", w, days, n, total }' > "$data/reports/weekly/$week.txt"
cat "$data/reports/weekly/$week.txt"
