#!/usr/bin/env bash
# report.sh DATE...: one line per day into reports/daily/DATE.txt: the date, its events and their total amount
set -euo pipefail
data=${PIPELINE_DATA:-$PIPELINE_HOME/data}
mkdir -p "$data/reports/daily"
for date in "$@"; do
    events=0 total=0
    while IFS=, read -r _hour _user amount; do
        events=$((events + 1)) total=$((total + amount))
    done < "$data/clean/$date.csv"
    echo "$date events=$events total=$total" > "$data/reports/daily/$date.txt"
    cat "$data/reports/daily/$date.txt"
done
