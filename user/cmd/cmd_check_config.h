/* SPDX-License-Identifier: BSD-2-Clause */
/* `xffwatch check-config`: validate the configuration, print the effective settings. */
#ifndef XFFW_CHECKCONF_H
#define XFFW_CHECKCONF_H

int check_config_main(int argc, char **argv);

#endif
