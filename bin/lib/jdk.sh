# Sourced by the scripts in bin/: finds a JDK 25 or newer and exports JAVA_HOME.
# Looks at $JAVA_HOME first, then every /usr/lib/jvm/*; the machine's default java may be older.

java_major() { # the feature version of the java binary $1, or nothing
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -1
}

find_jdk25() {
  local candidate major
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    major="$(java_major "$candidate/bin/java")"
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

if ! JAVA_HOME="$(find_jdk25)"; then
  echo "hakmem: no JDK 25 or newer found: set JAVA_HOME to one (looked at \$JAVA_HOME and /usr/lib/jvm/*)." >&2
  echo "hakmem: on Debian/Ubuntu, Temurin 25 installs as /usr/lib/jvm/temurin-25-jdk-amd64." >&2
  exit 1
fi
export JAVA_HOME
