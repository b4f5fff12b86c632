#!/usr/bin/env bash
# clean.sh DATE...: keeps the well-formed rows of raw/DATE.csv (hour,userN,amount) in clean/DATE.csv, header dropped
set -euo pipefail
data=${PIPELINE_DATA:-$PIPELINE_HOME/data}
mkdir -p "$data/clean"
for date in "$@"; do
    kept=0 rows=0
    {
        read -r _header
        while IFS= read -r row; do
            rows=$((rows + 1))
            if [[ $row =~ ^[0-9]+,user[0-9]+,[0-9]+$ ]]; then echo "$row"; kept=$((kept + 1)); fi
        done
    } < "$data/raw/$date.csv" > "$data/clean/$date.csv.tmp"
    mv "$data/clean/$date.csv.tmp" "$data/clean/$date.csv"
    echo "cleaned $date: kept $kept of $rows rows"
done
