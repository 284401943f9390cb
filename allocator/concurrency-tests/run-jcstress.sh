#!/usr/bin/env bash
# Runs this module's jcstress tests: allocator/concurrency-tests/run-jcstress.sh [quick|full] [jcstress options...]
# (see bin/jcstress).
exec "$(dirname "${BASH_SOURCE[0]}")/../../bin/jcstress" allocator/concurrency-tests "$@"
