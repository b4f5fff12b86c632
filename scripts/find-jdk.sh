#!/usr/bin/env bash
# Prints the home of a JDK >= 21: $JAVA_HOME if it is one, else `java` on the PATH, else one under /usr/lib/jvm.
# Exits 1 (printing nothing) when there is none.
set -u
version_of() { # major version of the java binary $1, or 0
  "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}' | cut -d. -f1
}
good() { [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] && [ "$(version_of "$1/bin/java")" -ge 21 ] 2>/dev/null; }
if [ -n "${JAVA_HOME:-}" ] && good "$JAVA_HOME"; then echo "$JAVA_HOME"; exit 0; fi
if command -v javac >/dev/null 2>&1; then
  home=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
  if good "$home"; then echo "$home"; exit 0; fi
fi
for home in /usr/lib/jvm/*; do
  if good "$home"; then echo "$home"; exit 0; fi
done
exit 1
