/*
 * rsp-private.h: TRANSITIONAL.  Only gdbstub-client/profile/recorder.c may
 * include it, and only until that file is converted to rsp.h's accessors
 * and batch API (it is being split at the time of writing).  It exposes
 * the definition of struct rsp_conn, which is otherwise rsp/'s own
 * (conn-internal.h).  Nothing else includes it; delete it once recorder.c
 * no longer does.
 */
#ifndef KIT_RSP_PRIVATE_H
#define KIT_RSP_PRIVATE_H

#include "conn-internal.h"

#endif
