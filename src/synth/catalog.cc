// The catalog: the category table, parsed into categories, and the products drawn from them.
#include "synth/world.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iterator>
#include <numeric>
#include <utility>

namespace confide::synth {
namespace {

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

}  // namespace

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
    const uint32_t category_index = i < world.categories.size() ? i : category_picker.Pick(rng);
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

  for (size_t c = 0; c < world.categories.size(); ++c) {
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

}  // namespace confide::synth
