// The recommendation models as Rankers for offline evaluation: trained
// once on the evaluation's TrainingSet (the hybrid's blend fitted on a
// validation split carved from it, never on the truth), then each model
// alone and the hybrid the server serves.
#pragma once

#include <memory>
#include <vector>

#include "evaluate/ranker.h"
#include "core/config.h"
#include "recommend/model_set.h"

namespace confide {

// Rankers named "popularity", "repurchase", "cooccurrence", "als" (unless
// options.als_enabled is false) and "hybrid", and with `promotions`,
// "hybrid+promotions": the hybrid's lists as a promotion changes them
// (recommend/promotions.h), offline: every list is promoted (periods,
// channels and stores are not applied) and, with no catalog, a share
// slot takes a promoted product of any category. Each ranks "as of" the
// shopper's expected next visit (ExpectedNextVisit): the truth's own time
// is not used. The rankers share the trained models. Errors as
// TrainModelSet's.
Result<std::vector<Ranker>> ModelRankers(const TrainingSet& set, const TrainOptions& options,
                                         const TrainProgress& progress = {},
                                         const std::vector<PromotionConfig>& promotions = {});

// The same ranker with the items of the shopper's own history left out
// (it is asked for more to still fill k).
Ranker ExcludingSeen(Ranker ranker);

}  // namespace confide
