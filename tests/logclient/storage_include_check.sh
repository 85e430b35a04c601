#!/bin/sh
# Fails when a file outside storage/ and the broker side includes a storage/ header:
# everything else reaches the log through logclient/log_client.hpp (issue 10).
# Usage: storage_include_check.sh <source dir>
set -u
root="${1:-.}"
cd "$root" || { echo "storage_include_check: no source dir '$root'" >&2; exit 2; }

# Allowed everywhere: the log itself, log_client, the broker side, tests and benchmarks
# of the engine itself (they open it to test it). nodes/fault_switch.cpp is broker side:
# the [faults] test hook arms the engine's own fsync hook (storage::io::test_hooks), which
# is process-wide and not an operation on the log, so it runs only inside `pinpipe node`
# beside the engine and has nothing to say through log_client.
allowed='^(storage|logclient|tests/storage|tests/fuzz|tests/logclient|bench)/|^actors/(broker_actor|request_router|durable_committer|fetch_serving|produce_frame)\.(hpp|cpp)$|^nodes/(cmd_node|cmd_log|fault_switch)\.cpp$'

bad=$(grep -rlE '#include[[:space:]]*[<"]storage/' --include='*.cpp' --include='*.hpp' --include='*.h' \
        actors bench cluster-scripts common console gateway logclient messages nodes pipeline raft \
        scripts storage tests transport 2>/dev/null |
      grep -vE "$allowed" | sort)
fail=0
for f in $bad; do
  echo "storage_include_check: $f includes a storage/ header; include logclient/log_client.hpp" \
       "(or logclient/local_log_client.hpp) instead, or move the code to the broker side" >&2
  fail=1
done
[ $fail -eq 0 ] && echo "storage_include_check: ok (only storage/, the broker side and log_client include storage/)"
exit $fail
