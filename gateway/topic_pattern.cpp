// The topic_pattern compiler (recursive descent into a small syntax tree, depth bounded by
// k_max_pattern_nesting) and the state-set simulation (see topic_pattern.hpp).
#include "gateway/topic_pattern.hpp"

#include <cctype>
#include <cstdint>

namespace pinpipe::gateway {
namespace {

struct node {
  enum class type { lit, any, cls, cat, alt, star, plus, quest } t = type::cat;
  unsigned char c = 0;
  int32_t cls = 0;
  std::vector<node> kids;
};

bool is_punct(unsigned char c) {
  return c < 0x80 && !std::isalnum(c) && !std::isspace(c) && std::isprint(c);
}

} // namespace

class pattern_compiler {
public:
  explicit pattern_compiler(std::string_view p) : p_(p) {}

  result<topic_pattern> run() {
    if (p_.size() > k_max_pattern_bytes) {
      return fail("is " + std::to_string(p_.size()) + " characters, over the limit of " +
                  std::to_string(k_max_pattern_bytes));
    }
    if (!p_.empty() && p_.front() == '^') ++i_;
    std::string_view body = p_;
    if (body.size() > i_ && body.back() == '$' &&
        !(body.size() >= 2 && body[body.size() - 2] == '\\')) {
      end_ = body.size() - 1;
    } else {
      end_ = body.size();
    }
    node root;
    if (!alternation(root, 0)) return status{errc::invalid_argument, error_};
    if (i_ != end_) {
      return fail("has an unmatched ')' at position " + std::to_string(i_));
    }
    emit(root);
    out_.prog_.push_back({topic_pattern::inst::op::match, 0, 0, 0});
    return std::move(out_);
  }

private:
  status fail(const std::string& what) {
    error_ = "\"topic_pattern\" " + what;
    return status{errc::invalid_argument, error_};
  }
  bool bad(const std::string& what) {
    fail(what);
    return false;
  }
  bool more() const { return i_ < end_; }
  char cur() const { return p_[i_]; }

  bool alternation(node& out, int depth) {
    if (depth > k_max_pattern_nesting) {
      return bad("nests groups deeper than " + std::to_string(k_max_pattern_nesting) +
                 " levels");
    }
    node first;
    if (!concatenation(first, depth)) return false;
    if (!more() || cur() != '|') {
      out = std::move(first);
      return true;
    }
    out.t = node::type::alt;
    out.kids.push_back(std::move(first));
    while (more() && cur() == '|') {
      ++i_;
      node next;
      if (!concatenation(next, depth)) return false;
      out.kids.push_back(std::move(next));
    }
    return true;
  }

  bool concatenation(node& out, int depth) {
    out.t = node::type::cat;
    while (more() && cur() != '|' && cur() != ')') {
      node atom;
      if (!atom_of(atom, depth)) return false;
      if (more() && (cur() == '*' || cur() == '+' || cur() == '?')) {
        node q;
        q.t = cur() == '*' ? node::type::star
                           : (cur() == '+' ? node::type::plus : node::type::quest);
        q.kids.push_back(std::move(atom));
        ++i_;
        if (more() && (cur() == '*' || cur() == '+' || cur() == '?' || cur() == '{')) {
          return bad("has a second quantifier at position " + std::to_string(i_) +
                     " (lazy, possessive and stacked quantifiers are not supported)");
        }
        atom = std::move(q);
      } else if (more() && cur() == '{') {
        return bad("uses a {m,n} quantifier at position " + std::to_string(i_) +
                   ", which is not supported; use *, + or ?");
      }
      out.kids.push_back(std::move(atom));
    }
    return true;
  }

  bool atom_of(node& out, int depth) {
    const char c = cur();
    const size_t at = i_;
    if (c == '(') {
      ++i_;
      if (p_.substr(i_, 2) == "?:") {
        i_ += 2;
      } else if (more() && cur() == '?') {
        return bad("uses a (?...) construct at position " + std::to_string(at) +
                   " (only (?:...) is supported)");
      }
      if (!alternation(out, depth + 1)) return false;
      if (!more() || cur() != ')') {
        return bad("has an unclosed '(' at position " + std::to_string(at));
      }
      ++i_;
      return true;
    }
    if (c == '[') return char_class(out);
    if (c == '.') {
      ++i_;
      out.t = node::type::any;
      return true;
    }
    if (c == '\\') return escape(out);
    if (c == '*' || c == '+' || c == '?' || c == '{') {
      return bad("has nothing to repeat before '" + std::string(1, c) + "' at position " +
                 std::to_string(at));
    }
    if (c == '^' || c == '$') {
      return bad("uses '" + std::string(1, c) + "' at position " + std::to_string(at) +
                 " (anchors are only allowed at the very start and end)");
    }
    if (c == ']' || c == '}') {
      return bad("has an unmatched '" + std::string(1, c) + "' at position " +
                 std::to_string(at));
    }
    ++i_;
    out.t = node::type::lit;
    out.c = static_cast<unsigned char>(c);
    return true;
  }

  // `\d`, `\w`, `\s` as classes; `\` before punctuation as a literal.
  bool class_escape(std::bitset<256>& set, bool& is_literal, unsigned char& lit) {
    if (i_ + 1 >= end_) return bad("ends with a lone '\\'");
    const auto e = static_cast<unsigned char>(p_[i_ + 1]);
    i_ += 2;
    is_literal = false;
    if (e == 'd' || e == 'w' || e == 's') {
      for (int ch = 0; ch < 256; ++ch) {
        const bool in = e == 'd'   ? std::isdigit(ch)
                        : e == 'w' ? (ch < 0x80 && (std::isalnum(ch) || ch == '_'))
                                   : (ch == ' ' || (ch >= '\t' && ch <= '\r'));
        if (in) set.set(static_cast<size_t>(ch));
      }
      return true;
    }
    if (is_punct(e)) {
      is_literal = true;
      lit = e;
      return true;
    }
    return bad("uses the escape '\\" + std::string(1, static_cast<char>(e)) +
               "', which is not supported (only \\d, \\w, \\s and escaped punctuation)");
  }

  bool escape(node& out) {
    std::bitset<256> set;
    bool is_literal = false;
    unsigned char lit = 0;
    if (!class_escape(set, is_literal, lit)) return false;
    if (is_literal) {
      out.t = node::type::lit;
      out.c = lit;
    } else {
      out.t = node::type::cls;
      out.cls = add_class(set);
    }
    return true;
  }

  bool char_class(node& out) {
    const size_t at = i_++;
    bool negate = false;
    if (more() && cur() == '^') {
      negate = true;
      ++i_;
    }
    std::bitset<256> set;
    bool first = true;
    while (more() && (cur() != ']' || first)) {
      first = false;
      unsigned char lo;
      if (cur() == '\\') {
        bool is_literal = false;
        if (!class_escape(set, is_literal, lo)) return false;
        if (!is_literal) continue;
      } else if (cur() == '[') {
        return bad("has a nested '[' at position " + std::to_string(i_) +
                   " (class unions are not supported)");
      } else {
        lo = static_cast<unsigned char>(p_[i_++]);
      }
      unsigned char hi = lo;
      if (i_ + 1 < end_ && cur() == '-' && p_[i_ + 1] != ']') {
        hi = static_cast<unsigned char>(p_[i_ + 1]);
        if (hi == '\\' || hi == '[') {
          return bad("has a class range ending in '" + std::string(1, char(hi)) +
                     "' at position " + std::to_string(i_ + 1));
        }
        if (hi < lo) return bad("has a reversed class range at position " + std::to_string(i_));
        i_ += 2;
      }
      for (unsigned ch = lo; ch <= hi; ++ch)
        set.set(ch);
    }
    if (!more()) return bad("has an unclosed '[' at position " + std::to_string(at));
    ++i_; // ']'
    if (negate) set.flip();
    out.t = node::type::cls;
    out.cls = add_class(set);
    return true;
  }

  int32_t add_class(const std::bitset<256>& set) {
    out_.classes_.push_back(set);
    return static_cast<int32_t>(out_.classes_.size() - 1);
  }

  using op = topic_pattern::inst::op;
  int32_t pc() const { return static_cast<int32_t>(out_.prog_.size()); }
  int32_t put(op code, int32_t x = 0, int32_t y = 0, unsigned char c = 0) {
    out_.prog_.push_back({code, c, x, y});
    return pc() - 1;
  }

  // Recursion follows the tree, whose depth the parser bounded.
  void emit(const node& n) {
    switch (n.t) {
    case node::type::lit:
      put(op::ch, 0, 0, n.c);
      return;
    case node::type::any:
      put(op::any);
      return;
    case node::type::cls:
      put(op::cls, n.cls);
      return;
    case node::type::cat:
      for (const auto& k : n.kids)
        emit(k);
      return;
    case node::type::alt: {
      std::vector<int32_t> jumps;
      for (size_t i = 0; i < n.kids.size(); ++i) {
        if (i + 1 < n.kids.size()) {
          const int32_t split = put(op::split);
          out_.prog_[split].x = pc();
          emit(n.kids[i]);
          jumps.push_back(put(op::jmp));
          out_.prog_[split].y = pc();
        } else {
          emit(n.kids[i]);
        }
      }
      for (auto j : jumps)
        out_.prog_[j].x = pc();
      return;
    }
    case node::type::star: {
      const int32_t split = put(op::split);
      out_.prog_[split].x = pc();
      emit(n.kids[0]);
      put(op::jmp, split);
      out_.prog_[split].y = pc();
      return;
    }
    case node::type::plus: {
      const int32_t start = pc();
      emit(n.kids[0]);
      put(op::split, start, pc() + 1);
      return;
    }
    case node::type::quest: {
      const int32_t split = put(op::split);
      out_.prog_[split].x = pc();
      emit(n.kids[0]);
      out_.prog_[split].y = pc();
      return;
    }
    }
  }

  std::string_view p_;
  size_t i_ = 0;
  size_t end_ = 0;
  std::string error_;
  topic_pattern out_;
};

result<topic_pattern> topic_pattern::compile(std::string_view pattern) {
  return pattern_compiler(pattern).run();
}

bool topic_pattern::match(std::string_view name) const {
  const size_t n = prog_.size();
  std::vector<int32_t> cur, next, stack;
  std::vector<size_t> seen(n, SIZE_MAX); // the step that last added a state
  cur.reserve(n);
  next.reserve(n);
  // Adds `start` and every state reachable from it without input (no recursion).
  auto add = [&](std::vector<int32_t>& list, int32_t start, size_t step) {
    stack.push_back(start);
    while (!stack.empty()) {
      const int32_t s = stack.back();
      stack.pop_back();
      if (seen[static_cast<size_t>(s)] == step) continue;
      seen[static_cast<size_t>(s)] = step;
      const auto& in = prog_[static_cast<size_t>(s)];
      if (in.code == inst::op::jmp) {
        stack.push_back(in.x);
      } else if (in.code == inst::op::split) {
        stack.push_back(in.y);
        stack.push_back(in.x);
      } else {
        list.push_back(s);
      }
    }
  };
  add(cur, 0, 0);
  for (size_t i = 0; i < name.size() && !cur.empty(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    next.clear();
    for (int32_t s : cur) {
      const auto& in = prog_[static_cast<size_t>(s)];
      const bool ok = (in.code == inst::op::ch && in.c == c) || in.code == inst::op::any ||
                      (in.code == inst::op::cls && classes_[static_cast<size_t>(in.x)].test(c));
      if (ok) add(next, s + 1, i + 1);
    }
    std::swap(cur, next);
  }
  for (int32_t s : cur) {
    if (prog_[static_cast<size_t>(s)].code == inst::op::match) return true;
  }
  return false;
}

} // namespace pinpipe::gateway
