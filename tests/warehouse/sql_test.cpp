// The one SQLite wrapper (pipeline/warehouse/sql.hpp) on real files: binds and columns round
// trip every type, temporaries are copied, errors name the SQL and SQLite's message, a bad
// bind is reported by the next step, the transaction guard rolls back, and the read-only
// open neither creates nor writes.
#include <filesystem>

#include <gtest/gtest.h>

#include "pipeline/warehouse/sql.hpp"
#include "tests/warehouse/test_util.hpp"

using namespace pinpipe;
namespace sql = pinpipe::warehouse::sql;
using pinpipe::warehouse::testing::temp_dir;

namespace {

sql::db_ptr open_rw(const std::string& path) {
  auto db = sql::open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  EXPECT_TRUE(db.ok()) << db.error().to_string();
  return db ? std::move(*db) : sql::db_ptr{};
}

TEST(WarehouseSql, BindsAndColumnsRoundTripEveryType) {
  temp_dir dir;
  auto db = open_rw(dir.file("t.db"));
  ASSERT_TRUE(sql::exec(db.get(), "CREATE TABLE t(i INTEGER, r REAL, s TEXT, n TEXT)").ok());
  sql::stmt ins(db.get(), "INSERT INTO t VALUES(?, ?, ?, ?)");
  ASSERT_TRUE(ins.ok()) << ins.prepare_status().to_string();
  std::string text("a\0b", 3); // embedded NUL survives
  ins.bind(1, int64_t{1} << 40).bind(2, 2.5).bind(3, text).bind(4, std::optional<std::string>{});
  ASSERT_TRUE(ins.run("insert").ok());
  EXPECT_EQ(ins.changes(), 1);
  // A temporary string is copied: it is gone before the step.
  ins.bind(1, 7).bind(2, 0.0).bind(3, std::string(100, 'x')).bind(4, "lit");
  ASSERT_TRUE(ins.run("insert").ok());

  sql::stmt q(db.get(), "SELECT i, r, s, n FROM t ORDER BY i DESC");
  ASSERT_TRUE(q.ok());
  auto row = q.next("select");
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(q.integer(0), int64_t{1} << 40);
  EXPECT_EQ(q.real(1), 2.5);
  EXPECT_EQ(q.text(2), text);
  EXPECT_TRUE(q.is_null(3));
  EXPECT_EQ(q.opt_text(3), std::nullopt);
  EXPECT_STREQ(q.column_name(2), "s");
  row = q.next("select");
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(q.text(2), std::string(100, 'x'));
  EXPECT_EQ(q.opt_text(3), std::optional<std::string>("lit"));
  row = q.next("select");
  ASSERT_TRUE(row.ok());
  EXPECT_FALSE(*row); // done, and reset: stepping again starts over
  row = q.next("select");
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(q.integer(0), int64_t{1} << 40);
}

TEST(WarehouseSql, ErrorsNameTheStatementAndSqlitesMessage) {
  temp_dir dir;
  auto db = open_rw(dir.file("t.db"));
  sql::stmt s;
  auto st = s.prepare(db.get(), "SELECT * FROM no_such_table");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("SELECT * FROM no_such_table"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("no such table: no_such_table"), std::string::npos);
  EXPECT_FALSE(s.next("stepping").ok()); // not prepared: an error, not a crash

  auto ex = sql::exec(db.get(), "CREATE TABLEX oops");
  ASSERT_FALSE(ex.ok());
  EXPECT_NE(ex.message().find("CREATE TABLEX"), std::string::npos) << ex.message();
  EXPECT_NE(ex.message().find("syntax error"), std::string::npos) << ex.message();

  auto empty = s.prepare(db.get(), "  -- only a comment");
  EXPECT_EQ(empty.code(), errc::invalid_argument) << empty.to_string();
  EXPECT_EQ(sql::exec(nullptr, "SELECT 1").code(), errc::invalid_argument);

  ASSERT_TRUE(sql::exec(db.get(), "CREATE TABLE u(k INTEGER PRIMARY KEY)").ok());
  sql::stmt ins(db.get(), "INSERT INTO u VALUES(?)");
  ins.bind(1, 1);
  ASSERT_TRUE(ins.run("first insert").ok());
  ins.bind(1, 1);
  auto dup = ins.run("second insert");
  EXPECT_EQ(dup.code(), errc::corrupt_data) << dup.to_string();
  EXPECT_NE(dup.message().find("second insert"), std::string::npos);
  EXPECT_NE(dup.message().find("UNIQUE constraint failed"), std::string::npos);

  ins.bind(5, 1); // no parameter 5
  auto bad_bind = ins.run("third insert");
  EXPECT_EQ(bad_bind.code(), errc::invalid_argument) << bad_bind.to_string();
  EXPECT_NE(bad_bind.message().find("binding a parameter"), std::string::npos);
  EXPECT_EQ(sql::query_int(db.get(), "SELECT COUNT(*) FROM u").value(), 1);
}

TEST(WarehouseSql, TransactionRollsBackUnlessCommitted) {
  temp_dir dir;
  auto db = open_rw(dir.file("t.db"));
  ASSERT_TRUE(sql::exec(db.get(), "CREATE TABLE t(x)").ok());
  {
    sql::transaction tx{db.get()};
    ASSERT_TRUE(tx.begin().ok());
    ASSERT_TRUE(sql::exec(db.get(), "INSERT INTO t VALUES(1)").ok());
  } // no commit: rolled back
  EXPECT_EQ(sql::query_int(db.get(), "SELECT COUNT(*) FROM t").value(), 0);
  {
    sql::transaction tx{db.get()};
    ASSERT_TRUE(tx.begin().ok());
    ASSERT_TRUE(sql::exec(db.get(), "INSERT INTO t VALUES(2)").ok());
    ASSERT_TRUE(tx.commit().ok());
  }
  EXPECT_EQ(sql::query_int(db.get(), "SELECT x FROM t").value(), 2);
  EXPECT_EQ(sql::query_int(db.get(), "SELECT x FROM t WHERE x = 9", -5).value(), -5);
  auto rows = sql::query_text(db.get(), "SELECT x, NULL AS n FROM t");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0], (sql::text_row{std::string("2"), std::nullopt}));
}

TEST(WarehouseSql, ReadOnlyOpenNeitherCreatesNorWrites) {
  temp_dir dir;
  const auto missing = dir.file("absent.db");
  auto none = sql::open_readonly(missing);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message().find(missing), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(missing));

  const auto path = dir.file("t.db");
  ASSERT_TRUE(sql::exec(open_rw(path).get(), "CREATE TABLE t(x)").ok());
  auto ro = sql::open_readonly(path);
  ASSERT_TRUE(ro.ok());
  auto write = sql::exec(ro->get(), "INSERT INTO t VALUES(1)");
  EXPECT_FALSE(write.ok());
  EXPECT_NE(write.message().find("readonly"), std::string::npos) << write.message();
}

} // namespace
