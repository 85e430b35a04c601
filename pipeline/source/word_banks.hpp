// Small per-category word banks that make generated pins look like pins of their category
// (titles, descriptions, tags, poster names), plus a few non-Latin phrases and emoji so the
// text exercises UTF-8 the way the real data does. Pure data; used only by row_generator.
#pragma once

#include <vector>

namespace pinpipe::source {

struct category_bank {
  const char* name;                     ///< category as stored, e.g. "diy-and-crafts"
  std::vector<const char*> subjects;    ///< title-case subjects: "Watercolor Painting"
  std::vector<const char*> tag_words;   ///< tag nouns combined with modifiers into tags
  std::vector<const char*> sentences;   ///< description sentences
  std::vector<const char*> brand_words; ///< words for poster (brand) names
};

/// The 13 banks, in the alphabetical category order of PIPELINE §1.
const std::vector<category_bank>& category_banks();

/// Title templates: "{s}" = subject, "{n}" = a number, "{y}" = a year, "{e}" = an emoji.
const std::vector<const char*>& title_templates();
/// Sentences that fit any category ("{s}" = subject in lower case).
const std::vector<const char*>& generic_sentences();
/// Tag modifiers ("Easy", "Modern", ...).
const std::vector<const char*>& tag_modifiers();
/// Phrases in non-Latin scripts and in accented Latin (German, Portuguese, ...).
const std::vector<const char*>& foreign_phrases();
/// Emoji and symbols seen in real pins ("✈️", "✨", "❤️", ...).
const std::vector<const char*>& emoji();
/// Brand suffixes for poster names ("Studio", "Co.", "Blog", ...).
const std::vector<const char*>& brand_suffixes();

} // namespace pinpipe::source
