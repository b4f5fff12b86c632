#!/bin/sh
# report.sh DATE...: one line per day into reports/daily/DATE.txt: date, events, total amount
set -eu
data=${PIPELINE_DATA:-$PIPELINE_HOME/data}
mkdir -p "$data/reports/daily"
for date in "$@"; do
    awk -F, -v d="$date" '{ n++; total += $3 } END { printf "%s events=%d total=%d\n", d, n, total }' \
        "$data/clean/$date.csv" > "$data/reports/daily/$date.txt"
    cat "$data/reports/daily/$date.txt"
done
