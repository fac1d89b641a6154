#include "synth/generator.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <span>
#include <system_error>
#include <utility>

namespace confide::synth {
namespace {

// ---------------------------------------------------------------------------------------------
// Randomness. Everything is drawn from xoshiro256** streams seeded through splitmix64, and
// every distribution is written out here, so the files depend on nothing but the options.
// Each shopper gets its own stream (seeded from seed, region and shopper index), which keeps
// one shopper's history independent of how many draws the others made.

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// A well-mixed seed for the sub-stream `tag` of `parent`.
uint64_t DeriveSeed(uint64_t parent, uint64_t tag) {
  uint64_t state = parent ^ (tag * 0xD1B54A32D192ED03ULL);
  SplitMix64(state);
  return SplitMix64(state);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& word : s_) word = SplitMix64(seed);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // Uniform in [0, n); n > 0. Multiply-shift: the bias (< n / 2^32) is irrelevant here.
  uint32_t Below(uint32_t n) {
    return static_cast<uint32_t>(((Next() >> 32) * static_cast<uint64_t>(n)) >> 32);
  }
  // Uniform in [lo, hi], inclusive.
  int Between(int lo, int hi) {
    return lo + static_cast<int>(Below(static_cast<uint32_t>(hi - lo + 1)));
  }
  // An index into a container of `size` > 0 elements.
  uint32_t Index(size_t size) { return Below(static_cast<uint32_t>(size)); }
  bool Chance(double p) { return Uniform() < p; }
  // Standard normal, Box-Muller (one value per call keeps the stream easy to reason about).
  double Normal() {
    const double u1 = 1.0 - Uniform();  // (0, 1]
    const double u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  // Log-normal with mean 1: exp(sigma N - sigma^2 / 2).
  double UnitLogNormal(double sigma) { return std::exp(sigma * Normal() - 0.5 * sigma * sigma); }
  // Number of failures before the first success, capped.
  int Geometric(double p_success, int cap) {
    int n = 0;
    while (n < cap && !Chance(p_success)) ++n;
    return n;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// Picks an index with probability proportional to its weight (cumulative table + binary
// search). Weights must be non-negative with a positive sum.
class WeightedPicker {
 public:
  WeightedPicker() = default;
  explicit WeightedPicker(std::span<const double> weights) { Reset(weights); }

  void Reset(std::span<const double> weights) {
    cumulative_.resize(weights.size());
    double total = 0;
    for (size_t i = 0; i < weights.size(); ++i) cumulative_[i] = total += weights[i];
  }
  bool empty() const { return cumulative_.empty() || cumulative_.back() <= 0; }
  uint32_t Pick(Rng& rng) const {
    const double target = rng.Uniform() * cumulative_.back();
    auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), target);
    if (it == cumulative_.end()) --it;  // only reachable through rounding
    return static_cast<uint32_t>(it - cumulative_.begin());
  }

 private:
  std::vector<double> cumulative_;
};

// A bijection on 48-bit integers (xor, odd multiply and xorshift are each invertible modulo
// 2^48), so anonymous ids look random yet can never collide.
uint64_t Scramble48(uint64_t x, uint64_t key) {
  constexpr uint64_t kMask = (uint64_t{1} << 48) - 1;
  x = (x ^ key) & kMask;
  x = (x * 0x9E3779B97F4BULL) & kMask;
  x ^= x >> 23;
  x = (x * 0xC2B2AE3D27D5ULL) & kMask;
  x ^= x >> 19;
  x = (x ^ (key >> 16)) & kMask;
  x = (x * 0x165667B19E37ULL) & kMask;
  x ^= x >> 25;
  return x;
}

// ---------------------------------------------------------------------------------------------
// The catalog. Noun entries are `Name[@min-max][:variant;variant]`; a noun's own price range
// and variants win over the category's, which keeps titles and prices coherent (no 1,000 EUR
// phone cases). Prices are in EUR before the regional factor.

enum class Family : uint8_t {
  kGrocery,
  kHousehold,
  kApparel,
  kElectronics,
  kHome,
  kLeisure,
  kBeauty
};

struct CategorySpec {
  const char* name;
  Family family;
  uint16_t cycle_days;  // personal re-purchase cycle before jitter; 0 = not a staple
  double min_price;
  double max_price;
  double assortment;  // relative share of the catalog
  double demand;      // relative share of what people pick
  double return_rate;
  bool gift;  // boosted between mid November and Christmas
  const char* brands;
  const char* nouns;
  const char* variants;
  const char* queries;
};

constexpr CategorySpec kCategories[] = {
    {"Milk & Dairy", Family::kGrocery, 7, 0.89, 5.49, 2.0, 7.0, 0.003, false,
     "Alpenhof|Dairy Lane|Verde Farm|Nordal|Kiri Fields",
     "Whole Milk:1L;2L|Semi-Skimmed Milk:1L;2L|Oat Drink:1L|Greek Yogurt:500g;1kg|Butter:250g|"
     "Mature Cheddar:200g;400g|Fresh Cream:200ml",
     "", "milk|yogurt|oat milk|butter|cheese"},
    {"Bakery", Family::kGrocery, 6, 0.99, 5.99, 1.5, 5.0, 0.003, false,
     "Maison Blé|Brotzeit|Golden Crust|Panino",
     "Sourdough Loaf|Wholemeal Bread|Baguette|Croissants|Rye Bread|Bagels",
     "400g|800g|4-pack|6-pack", "bread|sourdough|croissant|bagels"},
    {"Coffee & Tea", Family::kGrocery, 21, 2.49, 19.99, 1.5, 3.5, 0.005, false,
     "Kaffa Roasters|Lavazzo|Tea Garden|Morning Ritual|Alto Café",
     "Coffee Beans, Dark Roast:500g;1kg|Ground Coffee:250g;500g|Espresso Capsules:20 caps;50 caps|"
     "Green Tea:40 bags|Earl Grey Tea:40 bags;100 bags|Instant Coffee:100g;200g",
     "", "coffee|coffee beans|capsules|tea|espresso"},
    {"Fresh Produce", Family::kGrocery, 7, 0.79, 5.99, 2.0, 6.0, 0.003, false,
     "Green Valley|Orchard Co|Sunfield|Terra Viva",
     "Bananas|Apples|Avocados|Tomatoes|Baby Spinach|Strawberries|Carrots",
     "500g|1kg|pack of 4|bunch", "bananas|apples|avocado|salad|fruit"},
    {"Meat & Fish", Family::kGrocery, 10, 2.99, 24.99, 1.5, 3.5, 0.003, false,
     "Butcher's Pride|Atlantic Catch|Prairie Farms|Nordic Sea",
     "Chicken Breast|Minced Beef|Salmon Fillets|Pork Sausages|Prawns|Ribeye Steak",
     "300g|500g|1kg|family pack", "chicken|salmon|beef|sausages"},
    {"Pantry", Family::kGrocery, 21, 0.79, 8.99, 3.0, 4.0, 0.003, false,
     "Casa Rossi|Pantry Plus|Golden Grain|Spice Route",
     "Spaghetti:500g;1kg|Basmati Rice:1kg;5kg|Tomato Sauce:400g;680g|Olive Oil:500ml;1L|"
     "Chickpeas:400g|Peanut Butter:340g|Honey:250g;500g",
     "", "pasta|rice|olive oil|sauce|peanut butter"},
    {"Breakfast & Cereal", Family::kGrocery, 18, 1.99, 7.49, 1.0, 2.0, 0.003, false,
     "Sunrise|Oat Mill|Crunchy Co|Early Bird", "Granola|Porridge Oats|Corn Flakes|Muesli|Jam",
     "375g|500g|750g|1kg", "cereal|granola|oats|muesli"},
    {"Snacks & Sweets", Family::kGrocery, 14, 0.99, 6.99, 2.0, 3.5, 0.003, false,
     "Crispo|Choco Nova|Nutty's|Salty Bay",
     "Potato Chips|Dark Chocolate|Mixed Nuts|Biscuits|Gummy Bears|Popcorn",
     "100g|150g|200g|family bag", "chips|chocolate|nuts|snacks|biscuits"},
    {"Beverages", Family::kGrocery, 10, 0.59, 12.99, 2.0, 3.5, 0.003, false,
     "Aqua Pura|Fizzo|Orchard Press|Vita Juice",
     "Sparkling Water:1.5L;6 x 1.5L|Still Water:1.5L;6 x 1.5L|Orange Juice:1L|Cola:1.5L;6 x 330ml|"
     "Iced Tea:1.5L|Kombucha:330ml",
     "", "water|juice|cola|sparkling water"},
    {"Frozen Food", Family::kGrocery, 18, 1.99, 9.99, 1.5, 2.0, 0.003, false,
     "Frost & Co|Polar Kitchen|Pizzeria Nonna|Ice Dream",
     "Margherita Pizza|Frozen Peas|Fish Fingers|Vanilla Ice Cream|Frozen Berries", "400g|750g|1kg",
     "pizza|ice cream|frozen vegetables"},
    {"Pet Food & Care", Family::kHousehold, 30, 2.49, 59.99, 1.5, 2.5, 0.01, false,
     "Happy Paws|Whisker Co|Canis Prime|Feline Fine",
     "Dry Dog Food@12-59:2kg;12kg|Wet Cat Food@4-19:12 x 85g|Cat Litter@5-19:10L|"
     "Dog Treats@2-9:500g|Puppy Food@9-39:2kg;6kg",
     "", "dog food|cat food|cat litter|dog treats"},
    {"Baby & Diapers", Family::kHousehold, 14, 3.49, 44.99, 1.2, 2.0, 0.01, false,
     "Little Ones|Bébé Doux|Tiny Steps|Cuddle",
     "Diapers Size 3@9-39:pack of 30;jumbo box|Diapers Size 4@9-39:pack of 30;jumbo box|"
     "Baby Wipes@2-9:pack of 64;pack of 4 x 64|Infant Formula@12-29:800g|"
     "Baby Food Pouches@3-9:pack of 4",
     "", "diapers|baby wipes|formula|baby food"},
    {"Household Cleaning", Family::kHousehold, 35, 1.99, 19.99, 1.5, 2.0, 0.005, false,
     "Brillo Casa|Clean Wave|Eco Nest|Sparkle",
     "Laundry Detergent:1L;2L;60 washes|Dishwasher Tablets:40 tabs;80 tabs|"
     "All-Purpose Cleaner:750ml;refill|Fabric Softener:1L|Washing-Up Liquid:500ml",
     "", "detergent|dishwasher tablets|cleaner|softener"},
    {"Paper & Tissue", Family::kHousehold, 28, 1.99, 17.99, 0.6, 1.5, 0.003, false,
     "Softy|Cloud Nine|Forest Care",
     "Toilet Paper:9 rolls;24 rolls|Kitchen Towels:4 rolls|Facial Tissues:box of 100|"
     "Paper Napkins:pack of 50",
     "", "toilet paper|kitchen roll|tissues"},
    {"Personal Care", Family::kHousehold, 40, 1.49, 14.99, 1.5, 2.0, 0.01, false,
     "Pure Skin|Dento|Silk Hair|Aqua Fresh",
     "Toothpaste:75ml|Shampoo:250ml;400ml|Shower Gel:250ml|Deodorant:150ml|"
     "Razor Blades:pack of 4;pack of 8|Hand Soap:300ml",
     "", "toothpaste|shampoo|shower gel|deodorant"},
    {"Health & Pharmacy", Family::kHousehold, 45, 3.49, 29.99, 1.0, 1.0, 0.01, false,
     "Vita Plus|MediCare|Herbal Path",
     "Multivitamins:30 tabs;90 tabs|Vitamin D:90 tabs|Pain Relief Tablets:pack of 16|"
     "Plasters:pack of 20|Allergy Relief:pack of 30",
     "", "vitamins|vitamin d|painkillers|plasters"},
    {"Wine & Beer", Family::kGrocery, 14, 2.49, 39.99, 1.5, 2.0, 0.005, true,
     "Château Lune|Hop Street|Vino Sole|Brewhouse 21",
     "Red Wine:75cl;magnum|White Wine:75cl|Prosecco:75cl|Pale Ale:6 x 33cl;12 x 33cl|"
     "Lager:6 x 33cl;12 x 33cl|Rosé:75cl",
     "", "wine|beer|prosecco|red wine"},
    {"Beauty & Cosmetics", Family::kBeauty, 0, 4.99, 79.99, 2.5, 2.5, 0.04, true,
     "Lumière|Velvet Rose|Skin Lab|Nordic Glow|Aurora",
     "Face Cream:30ml;50ml|Lipstick:shade 02;shade 05;shade 11|Mascara:black;brown|Serum:30ml|"
     "Foundation:shade 10;shade 20;shade 30|Nail Polish:red;nude",
     "", "face cream|lipstick|mascara|serum|skincare"},
    {"Fragrance", Family::kBeauty, 0, 19.99, 149.99, 1.0, 0.8, 0.03, true,
     "Maison Ambre|Ocean Drift|Noir Atelier|Bloom",
     "Eau de Parfum|Eau de Toilette|Body Mist@9-29|Gift Set@29-99", "30ml|50ml|100ml",
     "perfume|fragrance|gift set|eau de parfum"},
    {"Women's Apparel", Family::kApparel, 0, 9.99, 149.99, 5.0, 3.5, 0.18, false,
     "Atelier Nord|Linea|Urban Thread|Maple & Co|Sienna",
     "Slim Fit Jeans@39-99|Wrap Dress@29-129|Cashmere Sweater@59-149|Linen Blouse@19-69|"
     "Trench Coat@79-149|Midi Skirt@19-79|T-Shirt@9-29",
     "Black, S|Blue, M|Beige, L|Red, M|Navy, XS|White, L", "dress|jeans|sweater|coat|blouse"},
    {"Men's Apparel", Family::kApparel, 0, 9.99, 139.99, 4.0, 2.5, 0.14, false,
     "Harbor Supply|Linea Uomo|Urban Thread|Northway",
     "Oxford Shirt@29-69|Chinos@29-79|Merino Jumper@49-119|Denim Jacket@49-129|"
     "Polo Shirt@19-49|Wool Coat@89-139|T-Shirt@9-29",
     "White, M|Navy, L|Grey, XL|Olive, M|Black, S", "shirt|chinos|jacket|jumper|polo"},
    {"Kids' Apparel", Family::kApparel, 0, 5.99, 59.99, 2.5, 1.5, 0.08, true,
     "Little Explorer|Mini Mode|Sprout",
     "Hoodie@14-39|T-Shirt@5-15|Rain Jacket@24-59|Pyjamas@12-29|Leggings@7-19",
     "Age 4-5|Age 6-7|Age 8-9|Age 10-11", "kids hoodie|kids jacket|pyjamas|kids t-shirt"},
    {"Shoes", Family::kApparel, 0, 19.99, 179.99, 3.0, 1.5, 0.17, false,
     "Stride|Urban Step|Trailhead|Bellissima",
     "Running Shoes@49-179|Leather Boots@79-179|Sneakers@39-119|Sandals@19-69|Loafers@49-129",
     "EU 38|EU 40|EU 42|EU 44", "running shoes|boots|sneakers|sandals"},
    {"Sportswear", Family::kApparel, 0, 12.99, 119.99, 2.5, 1.5, 0.10, false,
     "Pulse|Peak Athletic|Kinetic|AeroFit",
     "Running Tights@24-69|Sports Bra@19-59|Training Shirt@14-49|Track Jacket@39-119|"
     "Gym Shorts@12-39",
     "S|M|L|XL", "sportswear|running|gym shorts|leggings"},
    {"Accessories & Bags", Family::kApparel, 0, 7.99, 199.99, 2.0, 1.0, 0.06, true,
     "Maple & Co|Carry Co|Atelier Nord|Voyager",
     "Leather Wallet@24-89|Backpack@29-149|Tote Bag@14-59|Sunglasses@19-149|Scarf@9-49|"
     "Watch@49-199",
     "Black|Brown|Tan|Navy", "backpack|wallet|bag|sunglasses|watch"},
    {"Smartphones & Tablets", Family::kElectronics, 0, 99, 1399, 1.5, 0.5, 0.05, true,
     "Volta|Nexon|Pixelle|Orion",
     "Smartphone@199-1399:128GB;256GB;512GB|Tablet@149-999:64GB;128GB;256GB|"
     "Foldable Phone@899-1399:256GB;512GB|E-Reader@99-249:16GB;32GB|Smartwatch@149-499:41mm;45mm",
     "", "smartphone|tablet|phone|smartwatch|e-reader"},
    {"Laptops & Computers", Family::kElectronics, 0, 149, 2499, 1.2, 0.3, 0.05, true,
     "Volta|Kyber|Arcus|Nexon",
     "Laptop@499-1999:14\";15.6\"|Ultrabook@899-2499:13\";14\"|Desktop PC@599-1999|"
     "Monitor@149-799:24\";27\";32\"|2-in-1 Laptop@599-1499:13\"",
     "", "laptop|monitor|desktop|ultrabook"},
    {"TV & Audio", Family::kElectronics, 0, 29, 2199, 1.0, 0.3, 0.04, true,
     "Vision|Sonora|Pixelle|Bass Lab",
     "4K TV@349-1299:43\";55\";65\"|OLED TV@999-2199:55\";65\"|Soundbar@149-799:2.1;5.1|"
     "Bluetooth Speaker@29-249:black;white|Streaming Stick@29-69",
     "", "tv|55\" tv|soundbar|speaker|oled"},
    {"Headphones", Family::kElectronics, 0, 14.99, 399, 1.0, 0.5, 0.06, true,
     "Bass Lab|Sonora|Echo|Pulse Audio",
     "Wireless Earbuds@39-249|Noise-Cancelling Headphones@99-399|Wired Earphones@14-39|"
     "Gaming Headset@39-179",
     "Black|White|Midnight Blue", "headphones|earbuds|noise cancelling|headset"},
    {"Gaming", Family::kElectronics, 0, 19.99, 599, 1.0, 0.5, 0.04, true,
     "Playverse|Nexon|Arcade One|Orion",
     "Game Console@299-599|Controller@49-79|Video Game@19-79|Gaming Chair@149-399", "",
     "console|video game|controller|gaming chair"},
    {"Small Appliances", Family::kHome, 0, 19.99, 499, 1.5, 0.6, 0.05, true,
     "Kitchora|Brevo|Casa Volt|Steamix",
     "Espresso Machine@149-499|Air Fryer@59-199|Kettle@19-79|Toaster@24-89|Blender@29-149|"
     "Vacuum Cleaner@89-449",
     "Black|Stainless Steel|White|Red", "coffee machine|air fryer|kettle|vacuum|blender"},
    {"Kitchen & Cookware", Family::kHome, 0, 4.99, 249, 2.0, 0.8, 0.05, false,
     "Chef's Table|Cucina|Iron & Oak|Kitchora",
     "Frying Pan@19-89:24cm;28cm|Knife Set@29-249:set of 3;set of 5|Saucepan Set@49-199:set of 3|"
     "Mixing Bowls@9-39:set of 3|Glass Food Containers@12-39:set of 5|Chopping Board@7-39",
     "", "frying pan|knives|cookware|food containers"},
    {"Home Decor", Family::kHome, 0, 4.99, 199, 2.5, 1.0, 0.05, true,
     "Casa Bella|Nest & Co|Lumen|Wildflower",
     "Scented Candle@6-39|Picture Frame@5-49|Table Lamp@29-199|Vase@12-89|Cushion@12-59|"
     "Wall Clock@19-99",
     "White|Sage Green|Terracotta|Charcoal", "candle|lamp|cushion|vase|home decor"},
    {"Bedding & Bath", Family::kHome, 0, 9.99, 249, 2.0, 0.8, 0.07, false,
     "Dream Linen|Nest & Co|Soft Harbor",
     "Duvet Cover Set@39-149:Single;Double;King|Pillow@14-69:Soft;Medium;Firm|"
     "Bath Towel@9-39:White;Grey;Navy|Duvet@49-249:Single;Double;King|Bath Mat@12-39:White;Sand",
     "", "duvet cover|pillow|towels|bedding"},
    {"Furniture", Family::kHome, 0, 39, 1199, 2.0, 0.2, 0.04, false,
     "Nordhem|Oak & Iron|Modula|Casa Bella",
     "Sofa@399-1199|Desk@99-449|Bookshelf@49-249|Office Chair@89-399|Coffee Table@59-299|"
     "Bed Frame@199-899",
     "Oak|Walnut|White|Grey", "sofa|desk|office chair|bookshelf"},
    {"Garden & Outdoor", Family::kHome, 0, 4.99, 499, 1.5, 0.5, 0.04, false,
     "Green Thumb|Terra|Patio Life",
     "Garden Hose@19-59:15m;25m|Plant Pots@5-29:set of 3|Patio Chair@39-149|BBQ Grill@99-499|"
     "Potting Soil@4-14:20L;40L|Lawn Mower@149-499",
     "", "bbq|garden|plant pots|lawn mower"},
    {"DIY & Tools", Family::kHome, 0, 4.99, 399, 2.0, 0.5, 0.05, false,
     "Forge|ToolPro|Handy|Volt Works",
     "Cordless Drill@49-249:18V|Screwdriver Set@9-39:12 pieces|"
     "LED Bulbs@4-19:E27 4-pack;GU10 4-pack|"
     "Tape Measure@5-19:5m;8m|Wall Paint@12-49:2.5L;5L|Tool Box@19-79",
     "", "drill|tools|light bulbs|paint"},
    {"Toys & Games", Family::kLeisure, 0, 4.99, 149, 2.5, 1.2, 0.04, true,
     "Playfully|Brick World|Wonder Box|Tiny Town",
     "Building Set@9-149|Board Game@14-59|Plush Bear@9-39|Puzzle 1000 Pieces@9-29|"
     "Remote Control Car@24-99|Doll House@39-149",
     "", "building set|board game|puzzle|toys|plush"},
    {"Books & Stationery", Family::kLeisure, 0, 2.99, 59.99, 2.5, 1.2, 0.03, true,
     "Inkwell|Paper Trail|Northern Press",
     "Novel@7-24:paperback;hardcover|Cookbook@14-39|Notebook@3-19:A5;A4|Fountain Pen@12-59|"
     "Colouring Book@4-14|Planner@9-29:2025;2026",
     "", "book|notebook|novel|cookbook|pen"},
    {"Sports & Fitness", Family::kLeisure, 0, 9.99, 799, 2.0, 0.6, 0.06, false,
     "Kinetic|Peak Athletic|Iron Core|Trailhead",
     "Yoga Mat@14-59|Dumbbells@19-149:2 x 5kg;2 x 10kg|Bicycle@299-799|"
     "Tent@59-299:2-person;4-person|"
     "Water Bottle@9-29:750ml|Fitness Tracker@39-199",
     "", "yoga mat|dumbbells|bike|tent|fitness"},
};
constexpr size_t kCategoryCount = std::size(kCategories);

// Optional words before the noun, per family; electronics get a model code instead.
constexpr const char* kFamilyAdjectives[] = {
    "Organic|Classic|Premium|Value|Family Size|Everyday|Fresh",   // grocery
    "Sensitive|Eco|Ultra|Fresh Scent|Classic|Value|Gentle",       // household
    "Classic|Essential|Relaxed|Premium|Organic Cotton|Everyday",  // apparel
    "",                                                           // electronics
    "Nordic|Classic|Modern|Rustic|Essential|Premium",             // home
    "Classic|Deluxe|Junior|Pro|Family|Travel",                    // leisure
    "Hydrating|Matte|Radiant|Nourishing|Sensitive|Velvet",        // beauty
};

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  if (text.empty()) return parts;
  size_t begin = 0;
  while (true) {
    size_t end = text.find(separator, begin);
    parts.push_back(text.substr(begin, end == std::string_view::npos ? end : end - begin));
    if (end == std::string_view::npos) break;
    begin = end + 1;
  }
  return parts;
}

double ParseNumber(std::string_view text) {
  double value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

struct Noun {
  std::string_view name;
  double min_price;
  double max_price;
  std::vector<std::string_view> variants;
};

struct Category {
  const CategorySpec* spec;
  std::vector<std::string_view> brands;
  std::vector<Noun> nouns;
  std::vector<std::string_view> adjectives;
  std::vector<uint16_t> queries;   // indices into World::queries
  std::vector<uint32_t> products;  // indices into World::products
  bool staple() const { return spec->cycle_days > 0; }
};

Category ParseCategory(const CategorySpec& spec) {
  Category category{&spec, Split(spec.brands, '|'), {}, {}, {}, {}};
  const std::vector<std::string_view> shared_variants = Split(spec.variants, '|');
  for (std::string_view entry : Split(spec.nouns, '|')) {
    Noun noun{entry, spec.min_price, spec.max_price, shared_variants};
    if (size_t colon = entry.find(':'); colon != std::string_view::npos) {
      noun.variants = Split(entry.substr(colon + 1), ';');
      entry = entry.substr(0, colon);
    }
    if (size_t at = entry.find('@'); at != std::string_view::npos) {
      std::string_view range = entry.substr(at + 1);
      size_t dash = range.find('-');
      noun.min_price = ParseNumber(range.substr(0, dash));
      noun.max_price = ParseNumber(range.substr(dash + 1));
      entry = entry.substr(0, at);
    }
    noun.name = entry;
    category.nouns.push_back(std::move(noun));
  }
  category.adjectives = Split(kFamilyAdjectives[static_cast<size_t>(spec.family)], '|');
  return category;
}

// ---------------------------------------------------------------------------------------------
// Regions and their cities (approximate centres; weights roughly follow metro size).

struct City {
  const char* name;
  double latitude;
  double longitude;
  double weight;
};

constexpr City kEuCities[] = {
    {"Paris", 48.8566, 2.3522, 11},        {"Berlin", 52.5200, 13.4050, 6},
    {"Madrid", 40.4168, -3.7038, 6.5},     {"Milan", 45.4642, 9.1900, 4.3},
    {"Amsterdam", 52.3676, 4.9041, 2.5},   {"Warsaw", 52.2297, 21.0122, 3.1},
    {"Munich", 48.1351, 11.5820, 2.9},     {"Barcelona", 41.3874, 2.1686, 5.6},
    {"Rome", 41.9028, 12.4964, 4.3},       {"Lyon", 45.7640, 4.8357, 2.3},
    {"Vienna", 48.2082, 16.3738, 2.9},     {"Brussels", 50.8503, 4.3517, 2.1},
    {"Lisbon", 38.7223, -9.1393, 2.9},     {"Stockholm", 59.3293, 18.0686, 2.4},
    {"Copenhagen", 55.6761, 12.5683, 2.1}, {"Dublin", 53.3498, -6.2603, 1.4},
    {"Prague", 50.0755, 14.4378, 2.7},     {"Hamburg", 53.5511, 9.9937, 3.2},
};
constexpr City kUsCities[] = {
    {"New York", 40.7128, -74.0060, 19},        {"Los Angeles", 34.0522, -118.2437, 13},
    {"Chicago", 41.8781, -87.6298, 9.5},        {"Houston", 29.7604, -95.3698, 7.1},
    {"Phoenix", 33.4484, -112.0740, 4.9},       {"Philadelphia", 39.9526, -75.1652, 6.2},
    {"San Antonio", 29.4241, -98.4936, 2.6},    {"San Diego", 32.7157, -117.1611, 3.3},
    {"Dallas", 32.7767, -96.7970, 7.6},         {"Seattle", 47.6062, -122.3321, 4},
    {"Boston", 42.3601, -71.0589, 4.9},         {"Atlanta", 33.7490, -84.3880, 6.1},
    {"Miami", 25.7617, -80.1918, 6.1},          {"Denver", 39.7392, -104.9903, 2.9},
    {"San Francisco", 37.7749, -122.4194, 4.7},
};
constexpr City kApacCities[] = {
    {"Singapore", 1.3521, 103.8198, 6},    {"Sydney", -33.8688, 151.2093, 5.3},
    {"Melbourne", -37.8136, 144.9631, 5},  {"Tokyo", 35.6762, 139.6503, 14},
    {"Osaka", 34.6937, 135.5023, 6},       {"Seoul", 37.5665, 126.9780, 9.8},
    {"Hong Kong", 22.3193, 114.1694, 7.4}, {"Kuala Lumpur", 3.1390, 101.6869, 4},
    {"Bangkok", 13.7563, 100.5018, 6},     {"Auckland", -36.8485, 174.7633, 1.7},
    {"Brisbane", -27.4698, 153.0251, 2.5}, {"Manila", 14.5995, 120.9842, 5},
};

struct RegionSpec {
  std::string_view name;
  std::string_view currency;
  double price_factor;
  double store_share;
  int32_t utc_offset_seconds;  // a typical local offset, for shopping hours
  std::span<const City> cities;
};

constexpr RegionSpec kRegions[] = {
    {"eu", "EUR", 1.00, 0.45, 1 * 3600, kEuCities},
    {"us", "USD", 1.10, 0.40, -5 * 3600, kUsCities},
    {"apac", "SGD", 1.45, 0.15, 8 * 3600, kApacCities},
};

const RegionSpec* FindRegion(std::string_view name) {
  for (const RegionSpec& region : kRegions)
    if (region.name == name) return &region;
  return nullptr;
}

constexpr const char* kStoreSuffixes[] = {"Central", "North",      "South",     "East",
                                          "West",    "Station",    "Riverside", "Old Town",
                                          "Mall",    "Harbour",    "Park",      "Market Square",
                                          "Airport", "University", "Hills"};

// Local hour-of-day weights per channel (index = Channel).
constexpr double kHourWeights[kChannelCount][24] = {
    {2, 1, 0.5, 0.3, 0.3, 0.5, 1.5, 3, 4, 5, 5, 5, 6, 6, 5, 5, 5, 6, 7, 8, 9, 9, 7, 4},  // web
    {2, 1, 0.5, 0.3, 0.3, 1, 3, 6, 7, 5, 5, 5, 7, 6, 5, 5, 6, 8, 8, 8, 9, 10, 8, 4},     // app
    {0, 0, 0, 0, 0, 0, 0, 1, 3, 5, 7, 8, 9, 8, 7, 7, 8, 10, 10, 8, 5, 2, 0, 0},          // store
    {0, 0, 0, 0, 0, 0, 0, 0, 3, 5, 5, 5, 4, 5, 5, 5, 5, 4, 3, 1, 0, 0, 0, 0},            // call
};

// ---------------------------------------------------------------------------------------------
// The world shared by all regions.

struct Product {
  std::string title;
  uint16_t category;
  uint16_t brand;
  uint32_t base_cents;  // EUR
  double cost_ratio;
  double popularity;  // Zipf weight of its global rank
  double pop_score;   // 1 for the most popular product, towards 0 for the least
  bool active;
};

struct Query {
  std::string text;
  uint16_t category;
};

struct Store {
  uint32_t number;  // S0001..
  std::string name;
  double latitude;
  double longitude;
  double size;     // draws shoppers and widens the assortment
  double breadth;  // share of the catalog it stocks, 0.60..0.85
};

struct RegionPlan {
  const RegionSpec* spec;
  std::vector<Store> stores;
  uint32_t shoppers = 0;
};

struct Day {
  double activity;  // weekly rhythm x season, mean about 1
  bool gift_season;
  int weekday;  // 0 = Sunday
};

struct World {
  std::vector<Category> categories;
  std::vector<Product> products;
  std::vector<Query> queries;
  std::vector<RegionPlan> regions;
  std::vector<Day> days;
  WeightedPicker hour_pickers[kChannelCount];
};

// Psychological price points: 2.49, 14.99, 149.99.
uint32_t RoundPrice(double price) {
  double rounded;
  if (price < 10)
    rounded = std::max(0.29, std::round(price * 2) / 2 - 0.01);
  else if (price < 100)
    rounded = std::floor(price) + 0.99;
  else
    rounded = std::round(price / 10) * 10 - 0.01;
  return static_cast<uint32_t>(std::llround(rounded * 100));
}

void BuildCatalog(const Options& options, World& world) {
  Rng rng(DeriveSeed(options.seed, 1));
  for (const CategorySpec& spec : kCategories) world.categories.push_back(ParseCategory(spec));

  std::vector<double> assortment;
  for (const CategorySpec& spec : kCategories) assortment.push_back(spec.assortment);
  WeightedPicker category_picker(assortment);

  const uint32_t count = options.products;
  world.products.resize(count);
  // Popularity: a random permutation of ranks with Zipf weights, so ids carry no signal.
  std::vector<uint32_t> rank(count);
  std::iota(rank.begin(), rank.end(), 0u);
  for (uint32_t i = count; i > 1; --i) std::swap(rank[i - 1], rank[rng.Below(i)]);

  for (uint32_t i = 0; i < count; ++i) {
    Product& product = world.products[i];
    // The first products cover every category once, so small catalogs still span them.
    const uint32_t category_index = i < kCategoryCount ? i : category_picker.Pick(rng);
    Category& category = world.categories[category_index];
    const Noun& noun = category.nouns[rng.Index(category.nouns.size())];
    product.category = static_cast<uint16_t>(category_index);
    product.brand = static_cast<uint16_t>(rng.Index(category.brands.size()));

    std::string& title = product.title;
    title.append(category.brands[product.brand]).push_back(' ');
    if (!category.adjectives.empty() && rng.Chance(0.5)) {
      title.append(category.adjectives[rng.Index(category.adjectives.size())]).push_back(' ');
    }
    title.append(noun.name);
    if (category.spec->family == Family::kElectronics) {
      static constexpr char kSeries[] = "XSZANQ";
      title.push_back(' ');
      title.push_back(kSeries[rng.Below(6)]);
      title.append(std::to_string(rng.Between(1, 30)));
    }
    if (!noun.variants.empty()) {
      title.push_back(' ');
      title.append(noun.variants[rng.Index(noun.variants.size())]);
    }

    // Log-uniform within the range, skewed towards the cheap end as real assortments are.
    const double u = std::pow(rng.Uniform(), 1.4);
    product.base_cents = RoundPrice(noun.min_price * std::pow(noun.max_price / noun.min_price, u));
    product.cost_ratio = rng.Uniform(0.45, 0.78);
    product.active = !rng.Chance(0.02);
    product.popularity = 1.0 / std::pow(static_cast<double>(rank[i]) + 2.0, 0.95);
    if (!product.active) product.popularity *= 0.15;  // discontinued: sells out its tail
    product.pop_score = 1.0 - static_cast<double>(rank[i]) / count;
    category.products.push_back(i);
  }

  for (size_t c = 0; c < kCategoryCount; ++c) {
    Category& category = world.categories[c];
    for (std::string_view term : Split(category.spec->queries, '|')) {
      category.queries.push_back(static_cast<uint16_t>(world.queries.size()));
      world.queries.push_back({std::string(term), static_cast<uint16_t>(c)});
    }
    // Brand searches: "nordal milk".
    const std::string_view main_term = Split(category.spec->queries, '|').front();
    for (std::string_view brand : category.brands) {
      std::string text;
      for (char ch : brand)
        text.push_back(ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch - 'A' + 'a') : ch);
      text.append(" ").append(main_term);
      category.queries.push_back(static_cast<uint16_t>(world.queries.size()));
      world.queries.push_back({std::move(text), static_cast<uint16_t>(c)});
    }
  }
}

// Splits `total` in proportion to `weights`, each part at least `floor`, by largest remainder.
std::vector<uint32_t> Apportion(uint32_t total, std::span<const double> weights, uint32_t floor) {
  std::vector<uint32_t> parts(weights.size(), floor);
  const uint32_t rest = total - floor * static_cast<uint32_t>(weights.size());
  const double weight_sum = std::accumulate(weights.begin(), weights.end(), 0.0);
  std::vector<std::pair<double, size_t>> remainders;
  uint32_t given = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    const double exact = rest * weights[i] / weight_sum;
    const auto whole = static_cast<uint32_t>(std::floor(exact));
    parts[i] += whole;
    given += whole;
    remainders.push_back({exact - whole, i});
  }
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t k = 0; given < rest; ++k, ++given) ++parts[remainders[k % remainders.size()].second];
  return parts;
}

void BuildStores(const Options& options, World& world) {
  Rng rng(DeriveSeed(options.seed, 2));
  std::vector<double> shares;
  for (const std::string& name : options.regions) {
    world.regions.push_back({FindRegion(name), {}, 0});
    shares.push_back(world.regions.back().spec->store_share);
  }
  const std::vector<uint32_t> store_counts = Apportion(options.stores, shares, 1);
  std::vector<double> store_weights(store_counts.begin(), store_counts.end());
  const std::vector<uint32_t> shopper_counts = Apportion(options.shoppers, store_weights, 0);

  uint32_t next_number = 1;
  for (size_t r = 0; r < world.regions.size(); ++r) {
    RegionPlan& plan = world.regions[r];
    plan.shoppers = shopper_counts[r];
    std::vector<double> city_weights;
    for (const City& city : plan.spec->cities) city_weights.push_back(city.weight);
    const WeightedPicker city_picker(city_weights);
    std::vector<uint32_t> stores_in_city(plan.spec->cities.size(), 0);
    for (uint32_t i = 0; i < store_counts[r]; ++i) {
      // Round-robin over the biggest cities first, so even 3 stores land in distinct cities.
      const uint32_t city_index = i < plan.spec->cities.size() && i < 3 ? i : city_picker.Pick(rng);
      const City& city = plan.spec->cities[city_index];
      const uint32_t nth = stores_in_city[city_index]++;
      std::string name = city.name;
      name.append(" ").append(kStoreSuffixes[nth % std::size(kStoreSuffixes)]);
      if (nth >= std::size(kStoreSuffixes))
        name.append(" ").append(std::to_string(nth / std::size(kStoreSuffixes) + 1));
      // Metro-scale jitter (sigma ~ 9 km), clipped so a store never drifts to another city.
      const double dlat = std::clamp(rng.Normal() * 0.08, -0.25, 0.25);
      const double dlon = std::clamp(rng.Normal() * 0.10, -0.30, 0.30);
      const double size = rng.UnitLogNormal(0.5);
      const double breadth =
          std::clamp(0.6 + 0.25 * rng.Uniform() * std::min(size, 1.5) / 1.5, 0.6, 0.85);
      plan.stores.push_back({next_number++, std::move(name), city.latitude + dlat,
                             city.longitude + dlon, size, breadth});
    }
  }
}

// Days since 1970-01-01 -> (month, day of month); Howard Hinnant's civil_from_days.
std::pair<unsigned, unsigned> MonthDay(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned day = doy - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  return {month, day};
}

void BuildCalendar(const Options& options, World& world) {
  static constexpr double kWeekday[7] = {1.05, 0.85, 0.85, 0.9, 0.95, 1.1, 1.3};  // Sun..Sat
  static constexpr double kMonth[13] = {0,    0.85, 0.88, 0.95, 1.0,  1.0, 0.95,
                                        0.95, 0.92, 1.0,  1.0,  1.08, 1.0};
  const int64_t first_day = options.start / kMicrosPerDay;
  for (uint32_t d = 0; d < options.days; ++d) {
    const int64_t epoch_day = first_day + d;
    const int weekday = static_cast<int>((epoch_day % 7 + 7 + 4) % 7);
    const auto [month, dom] = MonthDay(epoch_day);
    double activity = kWeekday[weekday] * kMonth[month];
    if (month == 12) {
      if (dom <= 23)
        activity *= 1.35 + 0.9 * (dom - 1) / 22.0;  // the run-up to Christmas
      else if (dom == 24)
        activity *= 1.2;
      else if (dom == 25)
        activity *= 0.25;
      else if (dom == 26)
        activity *= 1.4;
      else
        activity *= 1.1;
    }
    const bool black_friday = month == 11 && weekday == 5 && dom >= 23 && dom <= 29;
    if (black_friday) activity *= 2.4;
    const bool cyber_monday =
        weekday == 1 && ((month == 11 && dom >= 26) || (month == 12 && dom <= 2));
    if (cyber_monday) activity *= 1.6;
    const bool gift_season = (month == 11 && dom >= 15) || (month == 12 && dom <= 24);
    world.days.push_back({activity, gift_season, weekday});
  }
  for (size_t c = 0; c < kChannelCount; ++c) world.hour_pickers[c].Reset(kHourWeights[c]);
}

// ---------------------------------------------------------------------------------------------
// Simulation of one region's shoppers.

enum IdBits : uint8_t { kCustomerId = 1, kLoyaltyId = 2, kAnonWeb = 4, kAnonApp = 8 };

// One event, compact so a region's whole history can be sorted in memory.
struct RawEvent {
  uint32_t second;   // since Options::start
  uint32_t shopper;  // region-local index; customer number - 1
  uint32_t product;  // kNoProduct or index
  uint32_t unit_cents;
  uint32_t order;  // per-shopper order number, 0 = none
  uint16_t store;  // index into the region's stores + 1, 0 = none
  uint16_t query;  // World::queries index + 1, 0 = none
  EventType type;
  Channel channel;
  uint8_t ids;       // IdBits
  uint8_t quantity;  // 0 = none
};
static_assert(sizeof(RawEvent) == 28);
constexpr uint32_t kNoProduct = UINT32_MAX;

enum class Profile : uint8_t { kStoreOnly, kWebHeavy, kAppHeavy, kOmni };

// Channel weights (store, web, app) per profile.
constexpr double kProfileChannels[4][3] = {
    {1.0, 0.0, 0.0}, {0.15, 0.8, 0.05}, {0.2, 0.1, 0.7}, {0.45, 0.3, 0.25}};

struct Staple {
  uint32_t product;
  uint32_t cycle;  // days
  int32_t next_due;
};

struct Line {
  uint32_t product;
  uint8_t quantity;
};

// Everything about one region that the shoppers draw from.
struct RegionModel {
  const World* world;
  const RegionPlan* plan;
  uint32_t days;
  std::vector<uint32_t> price_cents;              // per product, regional currency
  std::vector<WeightedPicker> category_products;  // per category, over Category::products
  WeightedPicker categories;                      // by demand
  WeightedPicker gift_categories;                 // by demand, gift categories boosted
  WeightedPicker staple_categories;
  std::vector<uint16_t> staple_category_ids;
  WeightedPicker stores;  // by size
  uint64_t anon_key;
};

RegionModel BuildRegionModel(const Options& options, const World& world, size_t region_index) {
  const RegionPlan& plan = world.regions[region_index];
  RegionModel model{&world, &plan, options.days, {}, {}, {}, {}, {}, {}, {}, 0};
  Rng rng(DeriveSeed(options.seed, 100 + region_index));
  model.anon_key = rng.Next();

  model.price_cents.reserve(world.products.size());
  std::vector<double> taste(world.products.size());
  for (size_t p = 0; p < world.products.size(); ++p) {
    const Product& product = world.products[p];
    model.price_cents.push_back(RoundPrice(product.base_cents / 100.0 * plan.spec->price_factor));
    taste[p] = product.popularity * rng.UnitLogNormal(0.35);  // a little regional taste
  }

  std::vector<double> demand(kCategoryCount), gift_demand(kCategoryCount), staple_demand;
  for (size_t c = 0; c < kCategoryCount; ++c) {
    const Category& category = world.categories[c];
    std::vector<double> weights;
    for (uint32_t p : category.products) weights.push_back(taste[p]);
    model.category_products.emplace_back(weights);
    const double available = category.products.empty() ? 0.0 : 1.0;
    demand[c] = category.spec->demand * available;
    gift_demand[c] = demand[c] * (category.spec->gift ? 3.0 : 0.8);
    if (category.staple() && available > 0) {
      model.staple_category_ids.push_back(static_cast<uint16_t>(c));
      staple_demand.push_back(demand[c]);
    }
  }
  model.categories.Reset(demand);
  model.gift_categories.Reset(gift_demand);
  model.staple_categories.Reset(staple_demand);

  std::vector<double> sizes;
  for (const Store& store : plan.stores) sizes.push_back(store.size);
  model.stores.Reset(sizes);
  return model;
}

// Simulates one shopper from day 0 to the end, appending events to `out`.
class ShopperSim {
 public:
  ShopperSim(const RegionModel& model, uint32_t shopper, uint64_t seed, std::vector<RawEvent>& out)
      : model_(model), world_(*model.world), rng_(seed), shopper_(shopper), out_(out) {}

  uint32_t orders() const { return orders_; }

  // Draws the shopper's traits. Returns whether the shopper holds a loyalty card (the
  // caller numbers the cards).
  bool Setup() {
    const double profile_draw = rng_.Uniform();
    profile_ = profile_draw < 0.30   ? Profile::kStoreOnly
               : profile_draw < 0.52 ? Profile::kWebHeavy
               : profile_draw < 0.70 ? Profile::kAppHeavy
                                     : Profile::kOmni;
    static constexpr double kLoyaltyRate[4] = {0.72, 0.42, 0.55, 0.68};
    has_loyalty_ = rng_.Chance(kLoyaltyRate[static_cast<size_t>(profile_)]);
    guest_ = profile_ != Profile::kStoreOnly && rng_.Chance(0.12);
    links_loyalty_online_ = rng_.Chance(0.7);
    home_store_ = static_cast<uint16_t>(model_.stores.Pick(rng_));

    // Heavy-tailed engagement (mean 1): a few shoppers are very active.
    engagement_ = std::min(rng_.UnitLogNormal(1.0), 25.0);
    browse_rate_per_day_ = std::min(8.0 * engagement_, 300.0) / 365.0;
    staple_share_ = std::min(0.9, 0.03 + 0.1 * engagement_);
    cycle_scale_ = rng_.Uniform(0.9, 2.2);

    // Favourite categories, weighted.
    const int favourites = rng_.Between(2, 5);
    for (int i = 0; i < favourites; ++i) {
      const uint32_t c = model_.categories.Pick(rng_);
      if (std::find(favourite_ids_.begin(), favourite_ids_.end(), c) != favourite_ids_.end())
        continue;
      favourite_ids_.push_back(static_cast<uint16_t>(c));
      favourite_weights_.push_back(rng_.Uniform(0.3, 1.0));
    }
    favourites_.Reset(favourite_weights_);

    // Staples: favourite staple categories first, else the popular ones.
    if (!model_.staple_category_ids.empty() && rng_.Chance(0.8)) {
      const int staple_count = 1 + rng_.Geometric(0.4, 6);
      for (int i = 0; i < staple_count; ++i) {
        uint32_t c = model_.staple_category_ids[model_.staple_categories.Pick(rng_)];
        const uint16_t favourite = favourite_ids_[favourites_.Pick(rng_)];
        if (world_.categories[favourite].staple() && rng_.Chance(0.6)) c = favourite;
        const uint32_t product = PickProductIn(c);
        bool duplicate = false;
        for (const Staple& staple : staples_) duplicate |= staple.product == product;
        if (duplicate) continue;
        const double base = world_.categories[c].spec->cycle_days * cycle_scale_;
        const auto cycle =
            static_cast<uint32_t>(std::max(3.0, std::round(base * rng_.Uniform(0.85, 1.2))));
        // First need somewhere in the first cycle, so the population is not in lockstep.
        staples_.push_back({product, cycle, static_cast<int32_t>(rng_.Below(cycle))});
      }
    }
    return has_loyalty_;
  }

  void Run() {
    struct Session {
      uint32_t second_of_day;
      Channel channel;
      bool replenish;
    };
    int32_t pending_trip = -1;
    for (uint32_t d = 0; d < model_.days; ++d) {
      const Day& day = world_.days[d];
      const int32_t today = static_cast<int32_t>(d);
      // Staples: when one runs out the shopper either plans a trip here within a couple of
      // days (favouring the weekend) or buys it elsewhere and the cycle restarts.
      if (pending_trip < 0 && MinDue() <= today) {
        if (rng_.Chance(staple_share_)) {
          pending_trip = today + PlanDelay(d);
        } else {
          for (Staple& staple : staples_)
            if (staple.next_due <= today) staple.next_due = today + Jitter(staple.cycle);
        }
      }
      Session sessions[4];
      int count = 0;
      double expected = browse_rate_per_day_ * day.activity;
      while (expected > 0 && count < 3) {
        if (expected >= 1 || rng_.Chance(expected)) {
          sessions[count++] = {0, PickChannel(), false};
        }
        expected -= 1;
      }
      if (pending_trip == today) {
        // Groceries are mostly bought in store by those who shop there at all.
        const bool uses_store = kProfileChannels[static_cast<size_t>(profile_)][0] > 0;
        sessions[count++] = {0, uses_store && rng_.Chance(0.5) ? Channel::kStore : PickChannel(),
                             true};
        pending_trip = -1;
      }
      if (count == 0) continue;
      for (int i = 0; i < count; ++i) {
        Channel channel = sessions[i].channel;
        if (channel != Channel::kStore && !guest_ && !sessions[i].replenish && rng_.Chance(0.012)) {
          channel = Channel::kCallCenter;
          sessions[i].channel = channel;
        }
        sessions[i].second_of_day = SecondOfDay(channel);
      }
      std::sort(sessions, sessions + count, [](const Session& a, const Session& b) {
        return a.second_of_day < b.second_of_day;
      });
      for (int i = 0; i < count; ++i) {
        uint32_t start = d * 86400 + sessions[i].second_of_day;
        start = std::max(start, busy_until_ + 120);  // one session at a time
        // Sessions last well under two hours; keep them inside the window.
        if (start + 7200 > model_.days * 86400u) continue;
        day_ = today;
        switch (sessions[i].channel) {
          case Channel::kStore: StoreVisit(start, sessions[i].replenish); break;
          case Channel::kCallCenter: CallCenterOrder(start); break;
          default: OnlineSession(start, sessions[i].channel, sessions[i].replenish); break;
        }
      }
    }
  }

 private:
  // --- draws -----------------------------------------------------------------------------

  int32_t MinDue() const {
    int32_t min_due = INT32_MAX;
    for (const Staple& staple : staples_) min_due = std::min(min_due, staple.next_due);
    return min_due;
  }

  int32_t Jitter(uint32_t cycle) {
    return std::max<int32_t>(1, static_cast<int32_t>(std::lround(cycle * rng_.Uniform(0.8, 1.25))));
  }

  // 0..2 days: today is favoured, otherwise the busier day (the weekend) wins.
  int32_t PlanDelay(uint32_t d) {
    double weights[3];
    for (uint32_t k = 0; k < 3; ++k)
      weights[k] = d + k < model_.days ? world_.days[d + k].activity * (k == 0 ? 1.5 : 1.0) : 0.0;
    double draw = rng_.Uniform() * (weights[0] + weights[1] + weights[2]);
    for (int32_t k = 0; k < 3; ++k) {
      if (draw < weights[k]) return k;
      draw -= weights[k];
    }
    return 0;
  }

  Channel PickChannel() {
    const double* weights = kProfileChannels[static_cast<size_t>(profile_)];
    double draw = rng_.Uniform();
    if (draw < weights[0]) return Channel::kStore;
    if (draw < weights[0] + weights[1]) return Channel::kWeb;
    return Channel::kApp;
  }

  uint32_t SecondOfDay(Channel channel) {
    const uint32_t hour = world_.hour_pickers[static_cast<size_t>(channel)].Pick(rng_);
    const int64_t local = hour * 3600 + rng_.Below(3600);
    const int64_t utc = local - model_.plan->spec->utc_offset_seconds;
    return static_cast<uint32_t>(((utc % 86400) + 86400) % 86400);
  }

  uint32_t PickCategory() {
    if (!favourite_ids_.empty() && rng_.Chance(0.7)) return favourite_ids_[favourites_.Pick(rng_)];
    return world_.days[day_].gift_season ? model_.gift_categories.Pick(rng_)
                                         : model_.categories.Pick(rng_);
  }

  uint32_t PickProductIn(uint32_t category) {
    const std::vector<uint32_t>& products = world_.categories[category].products;
    return products[model_.category_products[category].Pick(rng_)];
  }

  uint32_t PickAnyProduct() { return PickProductIn(PickCategory()); }

  uint8_t QuantityFor(uint32_t product) {
    const Category& category = world_.categories[world_.products[product].category];
    if (category.staple()) return static_cast<uint8_t>(1 + rng_.Geometric(0.6, 5));
    return static_cast<uint8_t>(rng_.Chance(0.1) ? 2 : 1);
  }

  uint32_t SellingPrice(uint32_t product) {
    const uint32_t list = model_.price_cents[product];
    if (!rng_.Chance(0.08)) return list;  // occasional promotion
    return std::max<uint32_t>(1, static_cast<uint32_t>(std::lround(list * rng_.Uniform(0.7, 0.9))));
  }

  // --- emission ----------------------------------------------------------------------------

  RawEvent& Emit(EventType type, uint32_t second, Channel channel, uint8_t ids) {
    RawEvent& event = out_.emplace_back();
    event = RawEvent{second, shopper_, kNoProduct, 0, 0, 0, 0, type, channel, ids, 0};
    busy_until_ = std::max(busy_until_, second);
    return event;
  }

  uint8_t StoreIds() const { return has_loyalty_ ? kLoyaltyId : kCustomerId; }

  // Emits an identify linking the device (and maybe the loyalty card) to the customer.
  void Identify(uint32_t second, Channel channel, int device) {
    uint8_t ids = kCustomerId;
    if (device >= 0) ids |= device == 0 ? kAnonWeb : kAnonApp;
    if (has_loyalty_ && !loyalty_linked_ && (device < 0 || links_loyalty_online_)) {
      ids |= kLoyaltyId;
      loyalty_linked_ = true;
    }
    if (ids == kCustomerId) return;  // nothing to link
    Emit(EventType::kIdentify, second, channel, ids);
    if (device >= 0) identified_[device] = true;
  }

  // Purchase lines of one order, then maybe returns and a pickup.
  void Purchase(uint32_t second, Channel channel, uint8_t ids, uint16_t store,
                const std::vector<Line>& lines, bool online_pickup) {
    const uint32_t order = ++orders_;
    for (const Line& line : lines) {
      RawEvent& event = Emit(EventType::kPurchase, second, channel, ids);
      event.product = line.product;
      event.quantity = line.quantity;
      event.unit_cents = SellingPrice(line.product);
      event.order = order;
      event.store = store;
      const RawEvent bought = event;
      MarkStapleBought(line.product);
      const double return_rate =
          world_.categories[world_.products[line.product].category].spec->return_rate;
      if (rng_.Chance(return_rate)) ScheduleReturn(bought);
    }
    if (online_pickup) {
      const uint32_t at = ClampToOpeningHours(second + 2 * 3600 + rng_.Below(2 * 86400));
      if (at < model_.days * 86400u) {
        const uint16_t pickup_store =
            rng_.Chance(0.9) ? home_store_ : static_cast<uint16_t>(model_.stores.Pick(rng_));
        const uint32_t session_busy_until = busy_until_;  // a later errand, not this session
        RawEvent& pickup = Emit(EventType::kPickup, at, Channel::kStore, ids);
        pickup.order = order;
        pickup.store = static_cast<uint16_t>(pickup_store + 1);
        busy_until_ = session_busy_until;
      }
    }
  }

  // Later events (pickups, returns) happen while the store is open, local time.
  uint32_t ClampToOpeningHours(uint32_t second) {
    const int64_t offset = model_.plan->spec->utc_offset_seconds;
    const int64_t local = ((static_cast<int64_t>(second) + offset) % 86400 + 86400) % 86400;
    if (local >= 9 * 3600 && local < 20 * 3600) return second;
    // Move to 9:00-12:00 local the same or next day.
    int64_t shifted = static_cast<int64_t>(second) - local + 9 * 3600 + rng_.Below(3 * 3600);
    if (local >= 20 * 3600) shifted += 86400;
    if (shifted < static_cast<int64_t>(second)) shifted += 86400;
    return static_cast<uint32_t>(shifted);
  }

  // Store purchases go back to the store; online orders half the time too, else through the
  // channel (and so the identity) they were bought with.
  void ScheduleReturn(const RawEvent& bought) {
    uint32_t at = bought.second + static_cast<uint32_t>(rng_.Between(2, 30)) * 86400;
    const bool in_store = bought.channel == Channel::kStore || rng_.Chance(0.5);
    if (in_store) at = ClampToOpeningHours(at);
    if (at >= model_.days * 86400u) return;  // after the window: not seen yet
    RawEvent returned = bought;
    returned.type = EventType::kReturn;
    returned.second = at;
    if (in_store) {
      returned.channel = Channel::kStore;
      returned.ids = StoreIds();
      returned.store = static_cast<uint16_t>(home_store_ + 1);
    }
    if (returned.quantity > 1 && rng_.Chance(0.5)) returned.quantity = 1;
    out_.push_back(returned);  // not a session event: leaves busy_until_ alone
  }

  void MarkStapleBought(uint32_t product) {
    for (Staple& staple : staples_)
      if (staple.product == product) staple.next_due = day_ + Jitter(staple.cycle);
  }

  // Staples due within `lookahead` days, as basket lines.
  void AddDueStaples(int32_t lookahead, std::vector<Line>& lines) {
    for (const Staple& staple : staples_) {
      if (staple.next_due > day_ + lookahead) continue;
      bool present = false;
      for (const Line& line : lines) present |= line.product == staple.product;
      if (!present) lines.push_back({staple.product, QuantityFor(staple.product)});
    }
  }

  void AddImpulse(int count, std::vector<Line>& lines) {
    for (int i = 0; i < count; ++i) {
      const uint32_t product = PickAnyProduct();
      bool present = false;
      for (const Line& line : lines) present |= line.product == product;
      if (!present) lines.push_back({product, QuantityFor(product)});
    }
  }

  // --- sessions ----------------------------------------------------------------------------

  void StoreVisit(uint32_t t, bool replenish) {
    const uint16_t store =
        rng_.Chance(0.88) ? home_store_ : static_cast<uint16_t>(model_.stores.Pick(rng_));
    const uint8_t ids = StoreIds();
    if (has_loyalty_ && !loyalty_linked_ && rng_.Chance(0.03)) {
      Identify(t, Channel::kStore, -1);  // signs up for e-receipts at the till
      t += 20;
    }
    Emit(EventType::kStoreVisit, t, Channel::kStore, ids).store = static_cast<uint16_t>(store + 1);
    lines_.clear();
    // In the store anyway: staples that will run out soon go in the basket too.
    AddDueStaples(replenish ? 3 : 5, lines_);
    if (replenish)
      AddImpulse(rng_.Geometric(0.55, 3), lines_);
    else if (rng_.Chance(0.85))
      AddImpulse(1 + rng_.Geometric(0.6, 3), lines_);
    if (lines_.empty()) return;
    const uint32_t checkout = t + 300 + rng_.Below(2400);
    Purchase(checkout, Channel::kStore, ids, static_cast<uint16_t>(store + 1), lines_, false);
  }

  void CallCenterOrder(uint32_t t) {
    lines_.clear();
    AddImpulse(1 + rng_.Geometric(0.6, 2), lines_);
    Purchase(t + 240 + rng_.Below(600), Channel::kCallCenter, kCustomerId, 0, lines_, false);
  }

  void OnlineSession(uint32_t t, Channel channel, bool replenish) {
    const int device = channel == Channel::kWeb ? 0 : 1;
    const uint8_t anon = device == 0 ? kAnonWeb : kAnonApp;
    // Returning visitors log in now and then; apps keep people logged in more often.
    if (!identified_[device] && !guest_ && seen_[device] &&
        rng_.Chance(replenish ? 0.8 : (device == 0 ? 0.25 : 0.5))) {
      Identify(t, channel, device);
      t += 5;
    }
    seen_[device] = true;
    uint8_t ids = identified_[device] ? uint8_t{kCustomerId} : anon;

    cart_.clear();
    auto view = [&](uint32_t product) {
      t += 8 + rng_.Below(110);
      Emit(EventType::kView, t, channel, ids).product = product;
    };
    auto add_to_cart = [&](uint32_t product) {
      t += 4 + rng_.Below(40);
      const uint8_t quantity = QuantityFor(product);
      RawEvent& event = Emit(EventType::kAddToCart, t, channel, ids);
      event.product = product;
      event.quantity = quantity;
      event.unit_cents = model_.price_cents[product];
      cart_.push_back({product, quantity});
    };

    double checkout_chance;
    if (replenish) {
      // "Buy again": the shopper goes straight for what ran out.
      lines_.clear();
      AddDueStaples(3, lines_);
      for (const Line& line : lines_) {
        if (rng_.Chance(0.6)) view(line.product);
        add_to_cart(line.product);
      }
      if (rng_.Chance(0.3)) {
        const uint32_t product = PickAnyProduct();
        view(product);
        if (rng_.Chance(0.4)) add_to_cart(product);
      }
      checkout_chance = 0.7;
    } else {
      const uint32_t category = PickCategory();
      if (rng_.Chance(0.6)) {
        const std::vector<uint16_t>& queries = world_.categories[category].queries;
        t += 3;
        Emit(EventType::kSearch, t, channel, ids).query =
            static_cast<uint16_t>(queries[rng_.Index(queries.size())] + 1);
      }
      const int views = 1 + rng_.Geometric(0.22, 14);
      for (int i = 0; i < views; ++i) {
        const uint32_t product = rng_.Chance(0.85) ? PickProductIn(category) : PickAnyProduct();
        view(product);
        bool in_cart = false;
        for (const Line& line : cart_) in_cart |= line.product == product;
        if (!in_cart && rng_.Chance(0.14)) add_to_cart(product);
      }
      checkout_chance = 0.2;
    }
    if (cart_.empty()) return;

    if (rng_.Chance(0.18)) {
      const uint32_t k = rng_.Index(cart_.size());
      t += 5 + rng_.Below(60);
      RawEvent& event = Emit(EventType::kRemoveFromCart, t, channel, ids);
      event.product = cart_[k].product;
      event.quantity = cart_[k].quantity;
      cart_.erase(cart_.begin() + k);
      checkout_chance *= 0.8;
    }
    if (cart_.empty() || !rng_.Chance(checkout_chance)) return;  // abandoned

    // Online grocery: anything nearly out rides along in the same order.
    if (!replenish) {
      lines_.clear();
      AddDueStaples(2, lines_);
      for (const Line& line : lines_) {
        bool in_cart = false;
        for (const Line& held : cart_) in_cart |= held.product == line.product;
        if (!in_cart) add_to_cart(line.product);
      }
    }
    // Checkout needs an account unless the shopper checks out as a guest.
    t += 30 + rng_.Below(240);
    if (!identified_[device] && !guest_) {
      Identify(t, channel, device);
      ids = kCustomerId;
      t += 10 + rng_.Below(50);
    }
    // Click & collect needs an account (guests get home delivery): no cookie ids in store.
    const bool pickup_in_store = rng_.Chance(0.25) && ids == kCustomerId;
    Purchase(t, channel, ids, 0, cart_, pickup_in_store);
  }

  const RegionModel& model_;
  const World& world_;
  Rng rng_;
  const uint32_t shopper_;
  std::vector<RawEvent>& out_;

  Profile profile_ = Profile::kOmni;
  bool has_loyalty_ = false;
  bool guest_ = false;
  bool links_loyalty_online_ = false;
  bool loyalty_linked_ = false;
  bool identified_[2] = {false, false};  // web, app
  bool seen_[2] = {false, false};
  uint16_t home_store_ = 0;
  double engagement_ = 1;
  double browse_rate_per_day_ = 0;
  double staple_share_ = 0;
  double cycle_scale_ = 1;
  std::vector<uint16_t> favourite_ids_;
  std::vector<double> favourite_weights_;
  WeightedPicker favourites_;
  std::vector<Staple> staples_;
  std::vector<Line> lines_;
  std::vector<Line> cart_;
  uint32_t orders_ = 0;
  uint32_t busy_until_ = 0;
  int32_t day_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Output.

// Buffered CSV file. Formatting never fails; write errors surface in Close().
class CsvFile {
 public:
  ~CsvFile() {
    if (file_ != nullptr) std::fclose(file_);
  }

  Status Open(const std::filesystem::path& path) {
    path_ = path.string();
    file_ = std::fopen(path_.c_str(), "wb");
    if (file_ == nullptr) return IoError("cannot create");
    buffer_.reserve(kFlushAt + 4096);
    return Status::Ok();
  }

  CsvFile& Raw(std::string_view text) {
    buffer_.append(text);
    return *this;
  }
  CsvFile& Char(char c) {
    buffer_.push_back(c);
    return *this;
  }
  CsvFile& Comma() { return Char(','); }
  // A free-text field: quoted (RFC 4180) when it holds a comma, quote or line break.
  CsvFile& Text(std::string_view text) {
    if (text.find_first_of(",\"\r\n") == std::string_view::npos) return Raw(text);
    buffer_.push_back('"');
    for (char c : text) {
      if (c == '"') buffer_.push_back('"');
      buffer_.push_back(c);
    }
    buffer_.push_back('"');
    return *this;
  }
  CsvFile& UInt(uint64_t value) {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
    buffer_.append(digits, end);
    return *this;
  }
  // `prefix` then `value` zero-padded to at least `width` digits: S0042.
  CsvFile& Id(char prefix, uint64_t value, int width) {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
    buffer_.push_back(prefix);
    for (int pad = width - static_cast<int>(end - digits); pad > 0; --pad) buffer_.push_back('0');
    buffer_.append(digits, end);
    return *this;
  }
  // Fixed point: 1234 with 2 decimals -> "12.34"; negative values get a sign.
  CsvFile& Fixed(int64_t scaled, int decimals) {
    if (scaled < 0) {
      buffer_.push_back('-');
      scaled = -scaled;
    }
    int64_t unit = 1;
    for (int i = 0; i < decimals; ++i) unit *= 10;
    UInt(static_cast<uint64_t>(scaled / unit));
    buffer_.push_back('.');
    char digits[24];
    auto [end, ec] =
        std::to_chars(digits, digits + sizeof digits, static_cast<uint64_t>(scaled % unit));
    for (int pad = decimals - static_cast<int>(end - digits); pad > 0; --pad)
      buffer_.push_back('0');
    buffer_.append(digits, end);
    return *this;
  }
  void EndLine() {
    buffer_.push_back('\n');
    ++lines_;
    if (buffer_.size() >= kFlushAt) Flush();
  }

  uint64_t lines() const { return lines_; }

  Status Close() {
    Flush();
    const int closed = std::fclose(file_);
    file_ = nullptr;
    if (failed_ || closed != 0) return IoError("cannot write");
    return Status::Ok();
  }

 private:
  static constexpr size_t kFlushAt = 1 << 20;

  void Flush() {
    if (!buffer_.empty() && std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size())
      failed_ = true;
    buffer_.clear();
  }

  Status IoError(std::string_view what) const {
    std::string message(what);
    message.append(" ").append(path_).append(": ").append(std::generic_category().message(errno));
    return Status(Code::kIoError, std::move(message));
  }

  std::FILE* file_ = nullptr;
  std::string path_;
  std::string buffer_;
  uint64_t lines_ = 0;
  bool failed_ = false;
};

Status WriteProducts(const std::filesystem::path& dir, const RegionModel& model,
                     RegionSummary& summary) {
  CsvFile csv;
  CONFIDE_RETURN_IF_ERROR(csv.Open(dir / "products.csv"));
  csv.Raw("id,title,category,brand,price,cost,active\n");
  const World& world = *model.world;
  for (size_t p = 0; p < world.products.size(); ++p) {
    const Product& product = world.products[p];
    const Category& category = world.categories[product.category];
    const uint32_t price = model.price_cents[p];
    const auto cost = static_cast<int64_t>(std::llround(price * product.cost_ratio));
    csv.Id('P', p + 1, 6).Comma().Text(product.title).Comma().Text(category.spec->name).Comma();
    csv.Text(category.brands[product.brand]).Comma().Fixed(price, 2).Comma().Fixed(cost, 2).Comma();
    csv.Raw(product.active ? "true" : "false").EndLine();
  }
  summary.products = csv.lines();
  return csv.Close();
}

Status WriteStores(const std::filesystem::path& dir, const RegionPlan& plan,
                   RegionSummary& summary) {
  CsvFile csv;
  CONFIDE_RETURN_IF_ERROR(csv.Open(dir / "stores.csv"));
  csv.Raw("id,name,latitude,longitude\n");
  for (const Store& store : plan.stores) {
    csv.Id('S', store.number, 4).Comma().Text(store.name).Comma();
    csv.Fixed(std::llround(store.latitude * 1e5), 5)
        .Comma()
        .Fixed(std::llround(store.longitude * 1e5), 5);
    csv.EndLine();
  }
  summary.stores = csv.lines();
  return csv.Close();
}

Status WriteInventory(const std::filesystem::path& dir, const Options& options, size_t region_index,
                      const RegionModel& model, RegionSummary& summary) {
  CsvFile csv;
  CONFIDE_RETURN_IF_ERROR(csv.Open(dir / "inventory.csv"));
  csv.Raw("location,product_id,quantity\n");
  Rng rng(DeriveSeed(options.seed, 200 + region_index));
  const std::vector<Product>& products = model.world->products;
  // Online: the whole catalog from the warehouse; discontinued lines are sold out.
  for (size_t p = 0; p < products.size(); ++p) {
    const Product& product = products[p];
    uint64_t quantity = 0;
    if (product.active && !rng.Chance(0.02))
      quantity =
          5 + static_cast<uint64_t>(std::lround(
                  rng.UnitLogNormal(0.8) * (20 + 400 * product.pop_score * product.pop_score)));
    csv.Raw("online,").Id('P', p + 1, 6).Comma().UInt(quantity).EndLine();
  }
  // Stores: a subset, the popular lines nearly always, some shelves empty.
  for (const Store& store : model.plan->stores) {
    char location[16];
    const int length = std::snprintf(location, sizeof location, "S%04u,", store.number);
    const std::string_view prefix(location, static_cast<size_t>(length));
    for (size_t p = 0; p < products.size(); ++p) {
      const Product& product = products[p];
      const double stock_chance =
          std::clamp(store.breadth - 0.2 + 0.4 * product.pop_score, 0.05, 0.995);
      if (!rng.Chance(stock_chance)) continue;
      uint64_t quantity = 0;
      if (product.active && !rng.Chance(0.05))
        quantity = 1 + rng.Below(static_cast<uint32_t>(4 + 40 * product.pop_score));
      csv.Raw(prefix).Id('P', p + 1, 6).Comma().UInt(quantity).EndLine();
    }
  }
  summary.inventory_rows = csv.lines();
  return csv.Close();
}

Status WriteEvents(const std::filesystem::path& dir, const Options& options,
                   const RegionModel& model, const std::vector<RawEvent>& events,
                   const std::vector<uint32_t>& loyalty_numbers, RegionSummary& summary) {
  CsvFile csv;
  CONFIDE_RETURN_IF_ERROR(csv.Open(dir / "events.csv"));
  csv.Raw(
      "event_id,type,timestamp,customer_id,anonymous_id,loyalty_id,channel,product_id,quantity,"
      "unit_price,currency,order_id,store_id,query\n");
  const std::string_view region = model.plan->spec->name;
  const std::string_view currency = model.plan->spec->currency;
  std::string event_prefix = "e";
  event_prefix.append(region).push_back('-');
  const int64_t start_second = options.start / kMicrosPerSecond;
  const World& world = *model.world;

  // "2025-03-04T" for the current UTC day; the rest is formatted by hand, as FormatRfc3339
  // would for whole seconds.
  int64_t cached_day = INT64_MIN;
  std::string date_prefix;
  uint64_t counter = 0;
  for (const RawEvent& event : events) {
    const int64_t absolute = start_second + event.second;
    const int64_t day = absolute / 86400;
    if (day != cached_day) {
      cached_day = day;
      date_prefix = FormatRfc3339(day * kMicrosPerDay).substr(0, 11);
    }
    const int64_t of_day = absolute - day * 86400;
    char clock[10] = {static_cast<char>('0' + of_day / 36000),
                      static_cast<char>('0' + of_day / 3600 % 10),
                      ':',
                      static_cast<char>('0' + of_day / 600 % 6),
                      static_cast<char>('0' + of_day / 60 % 10),
                      ':',
                      static_cast<char>('0' + of_day % 60 / 10),
                      static_cast<char>('0' + of_day % 10),
                      'Z',
                      0};

    csv.Raw(event_prefix).UInt(++counter).Comma().Raw(EventTypeName(event.type)).Comma();
    csv.Raw(date_prefix).Raw(std::string_view(clock, 9)).Comma();
    const uint32_t customer_number = event.shopper + 1;
    if (event.ids & kCustomerId) csv.Id('C', customer_number, 7);
    csv.Comma();
    if (event.ids & (kAnonWeb | kAnonApp)) {
      const uint64_t device = (event.ids & kAnonApp) ? 1 : 0;
      const uint64_t anon = Scramble48((uint64_t{event.shopper} << 1) | device, model.anon_key);
      char hex[13];
      for (int i = 11; i >= 0; --i) hex[11 - i] = "0123456789abcdef"[(anon >> (4 * i)) & 15];
      csv.Char('A').Raw(std::string_view(hex, 12));
    }
    csv.Comma();
    if (event.ids & kLoyaltyId) csv.Id('L', loyalty_numbers[event.shopper], 9);
    csv.Comma().Raw(ChannelName(event.channel)).Comma();
    if (event.product != kNoProduct) csv.Id('P', event.product + 1, 6);
    csv.Comma();
    if (event.quantity != 0) csv.UInt(event.quantity);
    csv.Comma();
    if (event.unit_cents != 0)
      csv.Fixed(event.unit_cents, 2).Comma().Raw(currency);
    else
      csv.Comma();
    csv.Comma();
    if (event.order != 0) csv.Id('O', customer_number, 7).Char('-').UInt(event.order);
    csv.Comma();
    if (event.store != 0) csv.Id('S', model.plan->stores[event.store - 1].number, 4);
    csv.Comma();
    if (event.query != 0) csv.Text(world.queries[event.query - 1].text);
    csv.EndLine();
    ++summary.events_by_type[static_cast<size_t>(event.type)];
  }
  summary.events = csv.lines();
  return csv.Close();
}

Status MakeDirectory(const std::filesystem::path& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return Status(Code::kIoError,
                  "cannot create directory " + dir.string() + ": " + error.message());
  }
  return Status::Ok();
}

}  // namespace


std::string_view RegionCurrency(std::string_view region) {
  const RegionSpec* spec = FindRegion(region);
  return spec == nullptr ? std::string_view() : spec->currency;
}

Status Validate(const Options& options) {
  if (options.shoppers < 1) return InvalidArgument("shoppers", "must be at least 1");
  if (options.shoppers > 20'000'000) return InvalidArgument("shoppers", "must be at most 20000000");
  if (options.products < 1) return InvalidArgument("products", "must be at least 1");
  if (options.products > 999'999) return InvalidArgument("products", "must be at most 999999");
  if (options.days < 1) return InvalidArgument("days", "must be at least 1");
  if (options.days > 3660) return InvalidArgument("days", "must be at most 3660");
  if (options.regions.empty()) return InvalidArgument("regions", "must name at least one region");
  for (size_t i = 0; i < options.regions.size(); ++i) {
    if (FindRegion(options.regions[i]) == nullptr)
      return InvalidArgument("regions",
                             "unknown region '" + options.regions[i] + "' (known: eu, us, apac)");
    for (size_t j = 0; j < i; ++j)
      if (options.regions[j] == options.regions[i])
        return InvalidArgument("regions", "region '" + options.regions[i] + "' is listed twice");
  }
  if (options.stores < 1) return InvalidArgument("stores", "must be at least 1");
  if (options.stores < options.regions.size())
    return InvalidArgument("stores", "must be at least one per region (" +
                                         std::to_string(options.regions.size()) + ")");
  if (options.stores > 9999) return InvalidArgument("stores", "must be at most 9999");
  constexpr Micros kYear2200 = 7'258'118'400 * kMicrosPerSecond;
  if (options.start < 0 || options.start % kMicrosPerSecond != 0 ||
      options.start + static_cast<Micros>(options.days) * kMicrosPerDay > kYear2200)
    return InvalidArgument("start", "must be a whole second between 1970 and 2200 (with the days)");
  return Status::Ok();
}

Result<Summary> Generate(const Options& options, const std::string& out_dir,
                         const std::function<void(uint64_t, uint64_t)>& progress) {
  CONFIDE_RETURN_IF_ERROR(Validate(options));
  const std::filesystem::path root(out_dir);
  for (const std::string& region : options.regions)
    CONFIDE_RETURN_IF_ERROR(MakeDirectory(root / region));

  World world;
  BuildCatalog(options, world);
  BuildStores(options, world);
  BuildCalendar(options, world);

  Summary summary;
  uint64_t done_shoppers = 0;
  constexpr uint32_t kProgressEvery = 4096;
  std::vector<RawEvent> events;
  for (size_t r = 0; r < world.regions.size(); ++r) {
    const RegionPlan& plan = world.regions[r];
    const std::filesystem::path dir = root / std::string(plan.spec->name);
    RegionSummary& region = summary.regions.emplace_back();
    region.region = plan.spec->name;
    region.currency = plan.spec->currency;
    region.shoppers = plan.shoppers;

    const RegionModel model = BuildRegionModel(options, world, r);
    CONFIDE_RETURN_IF_ERROR(WriteProducts(dir, model, region));
    CONFIDE_RETURN_IF_ERROR(WriteStores(dir, plan, region));
    CONFIDE_RETURN_IF_ERROR(WriteInventory(dir, options, r, model, region));

    events.clear();
    events.reserve(static_cast<size_t>(plan.shoppers) * 55);
    std::vector<uint32_t> loyalty_numbers(plan.shoppers, 0);
    uint32_t next_loyalty = 1;
    const uint64_t region_seed = DeriveSeed(options.seed, 300 + r);
    for (uint32_t s = 0; s < plan.shoppers; ++s) {
      ShopperSim sim(model, s, DeriveSeed(region_seed, s), events);
      if (sim.Setup()) loyalty_numbers[s] = next_loyalty++;
      sim.Run();
      region.orders += sim.orders();
      ++done_shoppers;
      if (progress && done_shoppers % kProgressEvery == 0)
        progress(done_shoppers, options.shoppers);
    }
    // Time order; stable, so a session's events and an order's lines keep their order.
    std::stable_sort(events.begin(), events.end(),
                     [](const RawEvent& a, const RawEvent& b) { return a.second < b.second; });
    CONFIDE_RETURN_IF_ERROR(WriteEvents(dir, options, model, events, loyalty_numbers, region));
    summary.total_events += region.events;
  }
  if (progress) progress(done_shoppers, options.shoppers);
  return summary;
}

}  // namespace confide::synth
