// The recommendation models as Rankers for offline evaluation: trained
// once on the evaluation's TrainingSet (the hybrid's blend fitted on a
// validation split carved from it, never on the truth), then each model
// alone and the hybrid the server serves.
#pragma once

#include <memory>
#include <vector>

#include "evaluate/ranker.h"
#include "recommend/model_set.h"

namespace confide {

// Rankers named "popularity", "repurchase", "cooccurrence", "als" (unless
// options.als_enabled is false) and "hybrid". Each ranks "as of" the
// shopper's expected next visit (ExpectedNextVisit): the truth's own time
// is not used. The rankers share the trained models. Errors as
// TrainModelSet's.
Result<std::vector<Ranker>> ModelRankers(const TrainingSet& set, const TrainOptions& options,
                                         const TrainProgress& progress = {});

// The same ranker with the items of the shopper's own history left out
// (it is asked for more to still fill k).
Ranker ExcludingSeen(Ranker ranker);

}  // namespace confide
