/* IDeliveryOptimizationFile and IDeliveryOptimizationFile2, secondary
 * interfaces of the BITS-style file object (file.c embeds one of these;
 * QueryInterface, AddRef and Release go to the file object's IUnknown). */
#ifndef BITSDO_COM_FILE_DO_H
#define BITSDO_COM_FILE_DO_H

#include "objects.h"

typedef struct bitsdo_file_do {
    IDeliveryOptimizationFile IDeliveryOptimizationFile_iface;
    IDeliveryOptimizationFile2 IDeliveryOptimizationFile2_iface;
    IUnknown *outer; /* the file object, not AddRef'ed (it contains us) */
    bitsdo_job *job;
    bitsdo_file_rec *file; /* owned by job->rec, valid while the outer object lives */
} bitsdo_file_do;

void bitsdo_file_do_init(bitsdo_file_do *d, IUnknown *outer, bitsdo_job *job, bitsdo_file_rec *file);

#endif
