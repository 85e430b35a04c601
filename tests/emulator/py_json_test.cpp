// python_json_dumps must write what CPython's json.dumps writes (reference strings below
// were produced by CPython 3.11 json.dumps with default arguments).
#include "pipeline/emulator/py_json.hpp"

#include <gtest/gtest.h>

using pinpipe::emulator::python_json_dumps;
using ojson = nlohmann::ordered_json;

TEST(PythonJsonDumps, UsesPythonSeparatorsAsciiEscapesAndFloatRepr) {
  // json.dumps({'a': '\x7f\u00e9😀', 'f': [1e-05, 1e16, 100.0, -88.4642]})
  ojson j = ojson::parse(R"({"a":"\u007f\u00e9\ud83d\ude00","f":[1e-05,1e16,100.0,-88.4642]})");
  EXPECT_EQ(python_json_dumps(j),
            R"({"a": "\u007f\u00e9\ud83d\ude00", "f": [1e-05, 1e+16, 100.0, -88.4642]})");
}

TEST(PythonJsonDumps, KeepsKeyOrderAndEscapesControlCharacters) {
  // json.dumps({'z': 1, 'a': 'x"y\\\n\t…\u00a0', 'n': None, 't': True, 'e': {}, 'l': []})
  ojson j;
  j["z"] = 1;
  j["a"] = "x\"y\\\n\t\xE2\x80\xA6\xC2\xA0";
  j["n"] = nullptr;
  j["t"] = true;
  j["e"] = ojson::object();
  j["l"] = ojson::array();
  EXPECT_EQ(python_json_dumps(j),
            R"({"z": 1, "a": "x\"y\\\n\t\u2026\u00a0", "n": null, "t": true, "e": {}, "l": []})");
}

TEST(PythonJsonDumps, InvalidUtf8BecomesReplacementCharacterInsteadOfThrowing) {
  ojson j = std::string("ok\xFF");
  EXPECT_EQ(python_json_dumps(j), R"("ok\ufffd")");
}
