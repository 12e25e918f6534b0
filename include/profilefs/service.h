/*
 * service: profiles without FUSE, in one include: the service itself
 * (svc.h), its background pool (prefetch.h), the catalog index
 * (catalogs.h), the signing options (signing.h), the names of binaries
 * (names.h). The FUSE front end (fs) and `profilefs profile` (cli) both
 * sit on it.
 *
 * Errors: 0 or -errno, passed to FUSE unchanged.
 */
#ifndef PROFILEFS_SERVICE_H
#define PROFILEFS_SERVICE_H

/* the service's modules, each with its own header */
#include "profilefs/catalogs.h"
#include "profilefs/names.h"
#include "profilefs/prefetch.h"
#include "profilefs/signing.h"
#include "profilefs/svc.h"

#endif
