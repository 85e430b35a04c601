#include "pipeline/batch/sqlite_util.hpp"

#include "pipeline/warehouse/schema.hpp"

namespace pinpipe::batch::sql {

result<stmt_ptr> prepare(sqlite3* db, const std::string& text, const std::string& what) {
  if (db == nullptr)
    return status{errc::invalid_argument, what + ": no database handle (null sqlite3*)"};
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, text.c_str(), static_cast<int>(text.size()), &raw, nullptr);
  stmt_ptr s{raw};
  if (rc != SQLITE_OK)
    return status{errc::internal,
                  what + ": SQLite could not prepare the statement: " + sqlite3_errmsg(db) +
                      " (are the batch tables pin_clean, geo_clean, user_clean "
                      "present? run the batch job first)"};
  return s;
}

status exec(sqlite3* db, const std::string& text, const std::string& what) {
  if (db == nullptr) return {errc::invalid_argument, what + ": no database handle (null sqlite3*)"};
  char* err = nullptr;
  int rc = sqlite3_exec(db, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    errc code = (rc == SQLITE_FULL) ? errc::disk_full : errc::internal;
    return {code, what + ": " + msg};
  }
  return {};
}

std::string quote_ident(const std::string& name) {
  return warehouse::schema::quote(name);
}

} // namespace pinpipe::batch::sql
