/* IDeliveryOptimizationJob and IDeliveryOptimizationJob2, secondary
 * interfaces of the BITS-style job object (job.c embeds one of these;
 * QueryInterface, AddRef and Release go to the job object's IUnknown). */
#ifndef BITSDO_COM_JOB_DO_H
#define BITSDO_COM_JOB_DO_H

#include "objects.h"

typedef struct bitsdo_job_do {
    IDeliveryOptimizationJob IDeliveryOptimizationJob_iface;
    IDeliveryOptimizationJob2 IDeliveryOptimizationJob2_iface;
    IUnknown *outer; /* the job object, not AddRef'ed (it contains us) */
    bitsdo_job *job;
} bitsdo_job_do;

void bitsdo_job_do_init(bitsdo_job_do *d, IUnknown *outer, bitsdo_job *job);

#endif
