/* SPDX-License-Identifier: BSD-2-Clause */
/* The native build's bpf_helpers.h: the shim (see that file). */
#include "capture/bpf_shim.h"
