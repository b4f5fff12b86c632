#!/bin/sh
# clean.sh DATE...: drops the malformed rows of raw/DATE.csv into clean/DATE.csv
set -eu
data=${PIPELINE_DATA:-$PIPELINE_HOME/data}
mkdir -p "$data/clean"
for date in "$@"; do
    grep -E '^[0-9]+,user[0-9]+,[0-9]+$' "$data/raw/$date.csv" > "$data/clean/$date.csv" || true
    echo "cleaned $date: kept $(wc -l < "$data/clean/$date.csv") of $(($(wc -l < "$data/raw/$date.csv") - 1)) rows"
done
