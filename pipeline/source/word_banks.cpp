#include "pipeline/source/word_banks.hpp"

namespace pinpipe::source {

const std::vector<category_bank>& category_banks() {
  static const std::vector<category_bank> banks = {
      {"art",
       {"Watercolor Painting", "Pencil Drawing", "Abstract Art", "Portrait Sketches",
        "Acrylic Pouring", "Street Art", "Digital Illustration", "Charcoal Drawing", "Art Journal",
        "Oil Painting"},
       {"Art", "Drawings", "Sketches", "Painting", "Canvas", "Illustration", "Art Lessons",
        "Art Projects", "Art Inspiration", "Artwork"},
       {"Learn how to paint loose florals with just three colors.",
        "This artist turns everyday objects into stunning sculptures.",
        "A step by step tutorial for shading realistic eyes with graphite pencils.",
        "Check out these unique glowing drawings in this article!",
        "Perfect art lesson for the elementary classroom, combining art history and fun projects."},
       {"Panda", "Canvas", "Studio", "Brush", "Palette", "Sketch"}},
      {"beauty",
       {"Natural Makeup", "Skin Care Routine", "Eyeshadow Looks", "Hair Care", "Nail Art",
        "Face Masks", "Curly Hair Tips", "Eyebrow Shaping", "Lip Colors"},
       {"Makeup", "Skin Care", "Beauty Tips", "Hairstyles", "Nails", "Skin Secrets", "Beauty Hacks",
        "Foundation", "Eye Makeup", "Natural Beauty"},
       {"It's made with clarifying black clay and sea mud to help soothe your skin.",
        "The best drugstore foundation shades for every skin tone.",
        "Try this simple five minute routine for glowing skin.",
        "Our favourite products for frizzy hair, tested and reviewed.",
        "Natural remedies that really work for dry skin in winter."},
       {"Glow", "Beauty", "Blush", "Lash", "Skin", "Coco"}},
      {"christmas",
       {"Christmas Centerpieces", "Christmas Tree Decor", "Holiday Tablescape", "Christmas Cookies",
        "Advent Calendar", "Christmas Wreath", "Gingerbread House", "Stocking Stuffers"},
       {"Christmas", "Christmas Decor", "Xmas", "Holiday Decor", "Christmas Crafts",
        "Christmas Table", "Christmas Ornaments", "Christmas Gifts", "Winter Decor", "Noel"},
       {"Here are the best DIY Christmas centerpiece ideas for your holiday season home decor.",
        "A white and gold Christmas tablescape featuring faux greenery and antique touches.",
        "Bake these soft gingerbread cookies with the kids this December.",
        "Cozy farmhouse Christmas decorating ideas on a budget.",
        "Simple handmade ornaments that make the tree feel magical."},
       {"Holly", "Merry", "Jingle", "Tinsel", "Noel", "Frost"}},
      {"diy-and-crafts",
       {"Handprint Crafts", "Paper Flowers", "Macrame Wall Hanging", "Ghost Craft",
        "Mason Jar Crafts", "Kids Crafts", "Felt Ornaments", "Upcycled Furniture"},
       {"Crafts", "Diy Projects", "Kids Crafts", "Craft Ideas", "Diy Decor", "Paper Crafts",
        "Toddler Crafts", "Halloween Crafts", "Crafts For Kids", "Handmade"},
       {"This ghost craft is a super simple craft for preschoolers using supplies you have on "
        "hand.",
        "Make some cute handprint reindeer ornaments with the whole family.",
        "Free printable template included, just print, cut and glue!",
        "Turn an old dresser into a statement piece with a weekend of work.",
        "This post may contain affiliate links, read our disclosure policy for more information."},
       {"Crafty", "Morning", "Glue", "Thrifty", "Maker", "Handmade"}},
      {"education",
       {"Classroom Ideas", "Google Classroom", "Math Games", "Reading Comprehension",
        "Science Experiments", "Homeschool Schedule", "Classroom Management", "Phonics Activities"},
       {"Classroom", "Teaching", "Middle School", "High School", "Homeschool", "Teacher Tips",
        "Education", "Learning", "Students", "Classroom Decor"},
       {"Each year my list of must haves for the classroom grows, so I'm here to share more finds!",
        "Try making your own digital interactive classroom to give your students assignments.",
        "Podcasts for teachers and parents of teenagers, rewarding most days.",
        "Hands-on science experiments that use things you already have at home.",
        "A free printable schedule that keeps homeschool days calm."},
       {"Teach", "Classroom", "Curiosity", "Giraffe", "Lesson", "Scholar"}},
      {"event-planning",
       {"Wedding Decor", "Birthday Party Ideas", "Baby Shower Themes", "Party Planning Checklist",
        "Bridal Shower", "Graduation Party", "Event Decorations", "Dessert Table"},
       {"Party Ideas", "Wedding", "Birthday Party", "Baby Shower", "Event Planning",
        "Party Decorations", "Wedding Planning", "Bridal Shower", "Party Themes", "Celebration"},
       {"Everything you need to plan the perfect party without the stress.",
        "A printable wedding planning checklist from twelve months out to the big day.",
        "These balloon garlands are easier to make than they look.",
        "Budget friendly baby shower ideas your guests will love.",
        "Set up a dessert table that doubles as the party decor."},
       {"Party", "Confetti", "Fete", "Soiree", "Bash", "Occasion"}},
      {"finance",
       {"Money Saving Challenge", "Budget Planner", "Debt Snowball", "Side Hustles",
        "Dividend Investing", "Emergency Fund", "Frugal Living", "Retirement Planning"},
       {"Saving Money", "Budgeting", "Personal Finance", "Money Tips", "Investing",
        "Make Money Online", "Financial Planning", "Frugal Living", "Money Management",
        "Debt Free"},
       {"Follow these steps to begin your debt snowball and build an emergency fund.",
        "Buying your first car is a big step, do these nine things first!",
        "How we paid off our mortgage in seven years on a single income.",
        "Investing is not only for the rich, anyone can start with small amounts.",
        "Free budget printables to help you take control of your money."},
       {"Money", "Cash", "Frugal", "Wealth", "Budget", "Dividend"}},
      {"home-decor",
       {"Farmhouse Decor", "Living Room Ideas", "Bedroom Makeover", "Kitchen Organization",
        "Boho Decor", "Mantle Decor", "Small Space Living", "Gallery Wall"},
       {"Home Decor", "Farmhouse", "Living Room", "Interior Design", "Rustic Decor",
        "Bedroom Ideas", "Modern Decor", "Kitchen Decor", "Cozy Home", "Room Decor"},
       {"Believe it or not, there are many affordable farmhouse decor finds under $25.",
        "Holiday mantle decor with mercury glass trees, eucalyptus vine and evergreen branches.",
        "A small living room made to feel twice its size with a few simple tricks.",
        "Our boho bedroom makeover reveal, with sources for everything.",
        "Organize your kitchen cabinets once and keep them that way."},
       {"Nest", "Home", "Cottage", "Design", "Decor", "Hearth"}},
      {"mens-fashion",
       {"Business Casual Outfits", "Mens Style", "Streetwear Looks", "Sneaker Collection",
        "Mens Haircuts", "Capsule Wardrobe", "Casual Outfits", "Leather Jackets"},
       {"Mens Fashion", "Mens Outfits", "Stylish Men", "Men Casual", "Mens Style",
        "Business Casual", "Streetwear", "Mens Shoes", "Menswear", "Gentleman Style"},
       {"Most men have a couple pairs of jeans, some T-shirts and a few button-down shirts.",
        "It's time to ditch the hoodie and try a casual sport coat.",
        "Ten wardrobe essentials every man should own.",
        "How to match your belt, shoes and watch without overthinking it.",
        "The haircuts barbers are asked for most this year."},
       {"Gent", "Dapper", "Suburban", "Tailor", "Style", "Threads"}},
      {"quotes",
       {"Life Quotes", "Motivational Quotes", "Love Quotes", "Friendship Quotes",
        "Inspirational Quotes", "Funny Quotes", "Self Love Quotes", "Deep Quotes"},
       {"Quotes", "Life Quotes", "Motivational Quotes", "Inspirational Quotes", "Quotes About Love",
        "Mood Quotes", "Words", "Quote Life", "Wisdom", "Positive Quotes"},
       {"Quotes that will make you think about life in a whole new way.",
        "Save these words for the days you need a little push.",
        "The best collection of inspirational sayings to brighten your day.",
        "Share these with someone who needs to hear them today.",
        "Thinking about a new look or lifestyle? This is your ultimate resource."},
       {"Words", "Quote", "Wisdom", "Daily", "Soul", "Mindset"}},
      {"tattoos",
       {"Small Tattoos", "Fine Line Tattoos", "Floral Tattoos", "Sleeve Tattoos",
        "Minimalist Tattoos", "Tattoo Designs", "Matching Tattoos", "Wrist Tattoos"},
       {"Tattoos", "Tattoo Designs", "Small Tattoos", "Tattoo Ideas", "Ink", "Body Art",
        "Tattoos For Women", "Flower Tattoos", "Tiny Tattoos", "Tattoo Art"},
       {"Dainty fine line designs that look amazing on the wrist or ankle.",
        "Everything to know before getting your first tattoo.",
        "Meaningful small tattoos with a story behind them.",
        "Sleeve ideas that blend floral and geometric elements.",
        "Matching designs for best friends and siblings."},
       {"Ink", "Needle", "Tattoo", "Skin Art", "Inkwell", "Linework"}},
      {"travel",
       {"Costa Rica Itinerary", "Paris in the Summer", "Bucket List Destinations",
        "Road Trip Ideas", "Beach Vacations", "Travel Packing List", "Hidden Gems in Italy",
        "Weekend in Lisbon"},
       {"Travel", "Vacation Spots", "Travel Destinations", "Beautiful Places", "Travel Tips",
        "Dream Vacations", "Travel Photos", "Road Trip", "Travel Aesthetic", "Wanderlust"},
       {"This itinerary is the ultimate guide to spending two weeks exploring volcanoes and "
        "beaches.",
        "Find out what to do in Paris during the summer, and enjoy the incredible outdoors.",
        "The most beautiful places to visit before they get crowded.",
        "A complete packing list for a carry-on only trip.",
        "Our favourite hidden gems, far away from the tourist crowds."},
       {"Wanderlust", "Voyage", "Nomad", "Passport", "Journey", "Compass"}},
      {"vehicles",
       {"Classic Cars", "Muscle Cars", "Vintage Trucks", "Sports Cars", "Motorcycles",
        "Camper Vans", "Lowriders", "Electric Cars"},
       {"Cars", "Classic Cars", "Old School Cars", "Muscle Cars", "Antique Cars", "Trucks",
        "Dream Cars", "Motorcycles", "Sports Cars", "Vintage Cars"},
       {"Nissan GT-R. Sick.", "A fully restored 1959 Cadillac in original colours.",
        "The fastest production cars you can actually buy this year.",
        "Our van conversion, from empty shell to tiny home on wheels.",
        "Ten classic trucks that still turn heads."},
       {"Motor", "Garage", "Torque", "Wheels", "Auto", "Drive"}},
  };
  return banks;
}

const std::vector<const char*>& title_templates() {
  static const std::vector<const char*> v = {
      "{n} Best {s} Ideas",         "{s}",
      "The Ultimate Guide to {s}",  "{s} - {n} Easy Tips",
      "Easy {s} for Beginners",     "{s} Inspiration {e}",
      "My Favorite {s} of {y}",     "{n} Amazing {s} You Need To See",
      "{s} | Simple and Beautiful", "How To Get Started With {s}",
  };
  return v;
}

const std::vector<const char*>& generic_sentences() {
  static const std::vector<const char*> v = {
      "Save this pin for later!",
      "Click through for the full tutorial and more {s} ideas.",
      "We rounded up our favourite {s} from around the web.",
      "As an Amazon Associate I earn from qualifying purchases, thank you!",
      "Find more inspiration on the blog.",
      "You will love these {s}, they are easier than you think.",
  };
  return v;
}

const std::vector<const char*>& tag_modifiers() {
  static const std::vector<const char*> v = {"Easy", "Diy",     "Modern",   "Simple",
                                             "Cute", "Vintage", "Best",     "Beautiful",
                                             "Cool", "Rustic",  "Creative", "Aesthetic"};
  return v;
}

const std::vector<const char*>& foreign_phrases() {
  static const std::vector<const char*> v = {
      "Der Vermögensaufbau mit Dividenden ist bereits mit 1.000 Euro möglich.",
      "Decoração de sala pequena: ideias práticas e baratas.",
      "Ideas fáciles para decorar tu habitación.",
      "かわいいイラストの描き方",
      "手作りのクリスマスオーナメント",
      "Как нарисовать портрет карандашом",
      "Идеи для маленькой кухни",
      "أفكار ديكور بسيطة للمنزل",
      "간단한 메이크업 방법",
      "简单的手工制作教程",
      "Όμορφα μέρη για διακοπές",
      "घर की सजावट के आसान तरीके",
      "Crème brûlée et décoration de Noël à la française",
  };
  return v;
}

const std::vector<const char*>& emoji() {
  static const std::vector<const char*> v = {"✈️", "✨", "❤️", "🎄", "💄",       "🌸", "🔥", "😍",
                                             "🚗",      "💰", "🎉",      "📚", "🖌️", "★", "•"};
  return v;
}

const std::vector<const char*>& brand_suffixes() {
  static const std::vector<const char*> v = {"Studio", "Co.",   "Blog", "Life", "Lab",
                                             "Daily",  "House", "Club", "Hub",  "World"};
  return v;
}

} // namespace pinpipe::source
