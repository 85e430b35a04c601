// The warehouse: the embedded SQLite file that holds the cleaned tables (PIPELINE.md section 7),
// the dead letters, and the stream sink's positions. The sink (stream path) and the batch job
// (batch path) write through this class; the query runner reads and writes its result tables
// through handle(). The schema is in docs/warehouse.md and schema.hpp.
//
// On disk: one SQLite file in WAL mode (synchronous=NORMAL: a commit survives a crash of the
// process; on power loss the last commits may roll back together with their positions, which
// keeps exactly-once intact because the sink then re-applies them).
//
// Exactly-once for the stream path: apply_stream() writes a batch's rows, its dead letters and
// the new position of its (topic, partition) in ONE transaction, and skips the part of a batch
// below the stored position. UNIQUE(_incarnation, _partition, _offset) on each stream table is a
// second guard. A recreated stream (new incarnation) starts over at offset 0: its position
// replaces the old incarnation's in the same transaction as its first rows, and the old
// incarnation's rows stay (they were real events).
//
// Lifecycle/threading: open() once per process and file; one writer per file; an instance is
// not thread-safe (use it from one thread, e.g. inside the sink actor). Readers in other
// connections see only committed data (WAL).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.hpp"
#include "pipeline/clean/cleaner.hpp"

struct sqlite3;

namespace pinpipe::warehouse {

/// A record that could not be cleaned (PIPELINE.md section 6).
struct dead_letter {
  std::string path; // "batch" | "stream"
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string raw;    // the record's bytes as received
  std::string reason; // the cleaner's error message
  int64_t incarnation = 0; // the stream's incarnation (stream path); 0 on the batch path
};

/// Everything one sink transaction applies for one (topic, partition).
struct stream_batch {
  std::string topic; // "streaming-<uid>-pin", "-geo" or "-user": decides the table
  int32_t partition = 0;
  /// (log offset, cleaned row), offsets strictly increasing; rows must be of the topic's kind.
  std::vector<std::pair<int64_t, clean::row>> rows;
  /// Offsets strictly increasing, none shared with `rows`; topic/partition equal the batch's.
  std::vector<dead_letter> dead;
  int64_t next_offset = 0; // the position after this batch (> every offset in it)
  /// Which creation of the stream the records came from (storage::topic_config::incarnation).
  /// A newer one than the stored position's starts the position over at 0 (the old rows stay);
  /// an older one is refused (invalid_argument).
  int64_t incarnation = 0;
};

class warehouse {
public:
  /// Opens or creates the file, switches it to WAL, creates missing tables and checks that
  /// existing ones have the expected columns. `uid`: letters, digits and '_' only.
  static result<std::unique_ptr<warehouse>> open(const std::string& path, const std::string& uid);
  ~warehouse();
  warehouse(const warehouse&) = delete;
  warehouse& operator=(const warehouse&) = delete;

  /// Stream tables <uid>_pin_table/_geo_table/_user_table: rows + dead letters + the new
  /// position for (topic, partition) in ONE transaction. The part of the batch below the stored
  /// position is skipped (re-applying a batch, or an overlapping one, adds nothing); a batch
  /// whose next_offset is not above the stored position is a no-op. Positions never go back.
  status apply_stream(const stream_batch& b);

  /// The stored position (next offset to apply) of (topic, partition), whatever its
  /// incarnation; 0 if none.
  result<int64_t> stream_position(const std::string& topic, int32_t partition) const;
  /// The position of (topic, partition) in `incarnation`: 0 when none is stored or the stored
  /// one belongs to another incarnation (the stream was recreated: it starts over).
  result<int64_t> stream_position(const std::string& topic, int32_t partition,
                                  int64_t incarnation) const;

  /// Batch tables pin_clean/geo_clean/user_clean: emptied and refilled in one transaction.
  status replace_batch_tables(const std::vector<clean::pin_row>& pins,
                              const std::vector<clean::geo_row>& geos,
                              const std::vector<clean::user_row>& users);

  /// Appends dead letters in one transaction. Idempotent: a (path, topic, partition, offset)
  /// already stored is kept as it is (so a batch run that re-reads the lake adds nothing).
  status add_dead_letters(const std::vector<dead_letter>& letters);

  /// Row count of any table or view in the file; not_found when it does not exist.
  result<int64_t> count(const std::string& table) const;

  /// "<uid>_pin_table" etc.
  std::string stream_table(clean::kind k) const;

  /// The connection, for the query runner (same thread as every other call).
  sqlite3* handle();

private:
  struct impl;
  explicit warehouse(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

} // namespace pinpipe::warehouse
