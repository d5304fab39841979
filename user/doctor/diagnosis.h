/* SPDX-License-Identifier: BSD-2-Clause */
/* What `xffwatch doctor` can diagnose, and for which stacks it prints fixes (docs/doctor.md). */
#ifndef XFFW_DIAGNOSIS_H
#define XFFW_DIAGNOSIS_H

#include <stdbool.h>
#include <stddef.h>

/* The diagnoses: a stable id each (never renamed), in the order of docs/doctor.md. */
#define DOCTOR_DIAGNOSES(X)                                                                        \
	X(PROXY_NOT_TRUSTED, "proxy-not-trusted", "the proxy is not trusted")                      \
	X(PROXY_SENDS_NO_HEADER, "proxy-sends-no-header",                                          \
	  "a trusted proxy sends no forwarding header")                                            \
	X(APP_REACHED_DIRECTLY, "app-reached-directly",                                            \
	  "the app port is reached directly, bypassing the proxy")                                 \
	X(CLIENT_HEADERS_PASS_THROUGH, "client-headers-pass-through",                              \
	  "clients' own forwarding headers pass through the proxy")                                \
	X(HOPS_MISMATCH, "hops-mismatch", "the hop count does not match the proxies seen")         \
	X(TRUST_TOO_BROAD, "trust-too-broad", "the trusted ranges are too broad")                  \
	X(CDN_HEADER_NOT_FROM_CDN, "cdn-header-not-from-cdn",                                      \
	  "a CDN's client header comes from outside the CDN")                                      \
	X(HEADERS_DISAGREE, "headers-disagree", "the forwarding headers disagree")                 \
	X(LEFTMOST_ROTATION, "leftmost-rotation", "a client rotates forged leftmost addresses")    \
	X(CLIENTS_BEHIND_NAT, "clients-behind-nat", "every client arrives as one gateway address") \
	X(LOCAL_PROCESS_FORGES, "local-process-forges-headers",                                    \
	  "a local process other than the proxy sends forwarding headers")                         \
	X(TRUST_LOCAL_AVAILABLE, "trust-local-available",                                          \
	  "the local proxy can be trusted by who it is")                                           \
	X(PP_UNTRUSTED_SENDER, "proxy-protocol-untrusted-sender",                                  \
	  "PROXY preambles come from a peer that is not trusted")                                  \
	X(PP_NOT_READ, "proxy-protocol-not-read",                                                  \
	  "a trusted proxy's PROXY preambles are not read")                                        \
	X(PP_MISSING, "proxy-protocol-missing",                                                    \
	  "connections without the PROXY preamble the listener requires")                          \
	X(PP_UNEXPECTED, "proxy-protocol-unexpected",                                              \
	  "PROXY preambles on a listener that expects none")                                       \
	X(PP_MALFORMED, "proxy-protocol-malformed", "malformed or truncated PROXY preambles")      \
	X(PP_SHARED_CONNECTION, "proxy-protocol-shared-connection",                                \
	  "one PROXY connection carries several clients' requests")

#define DIAG_ENUM_(id, name, title) DIAG_##id,
enum diagnosis_id { DOCTOR_DIAGNOSES(DIAG_ENUM_) DIAG__MAX };
#undef DIAG_ENUM_

/* LEVEL_LOW is advice: reported as a suggestion, it leaves the exit status 0. */
enum diag_level { LEVEL_LOW, LEVEL_MEDIUM, LEVEL_HIGH };

/* What runs on the path, for fixes: --stack names them in this spelling. */
#define DOCTOR_STACKS(X)        \
	X(NGINX, "nginx")       \
	X(HAPROXY, "haproxy")   \
	X(APACHE, "apache")     \
	X(WERKZEUG, "werkzeug") \
	X(GUNICORN, "gunicorn") \
	X(UVICORN, "uvicorn")

#define STACK_ENUM_(id, name) STACK_##id,
enum stack { DOCTOR_STACKS(STACK_ENUM_) STACK__MAX };
#undef STACK_ENUM_

extern const char *const diagnosis_names[DIAG__MAX];
extern const char *const diagnosis_titles[DIAG__MAX];
extern const char *const stack_names[STACK__MAX];
/* "low", "medium", "high". */
extern const char *const level_names[3];

/* The stack named @name (NUL-terminated), or -1. */
int stack_by_name(const char *name);

#endif
