// xgrad — the data layer (torch.utils.data in xg::data): datasets and transforms, IDX and CSV
// readers, Fashion-MNIST and MNIST, the DataLoader and its samplers (DistributedSampler), and random / stratified /
// K-fold splits.
// `#include <xgrad/data.hpp>` brings all of it; each part has its own header under xgrad/data/.
#pragma once
#include "xgrad/data/csv.hpp"
#include "xgrad/data/dataloader.hpp"
#include "xgrad/data/dataset.hpp"
#include "xgrad/data/datasets.hpp"
#include "xgrad/data/example.hpp"
#include "xgrad/data/idx.hpp"
#include "xgrad/data/sampler.hpp"
#include "xgrad/data/splits.hpp"
#include "xgrad/data/transforms.hpp"
