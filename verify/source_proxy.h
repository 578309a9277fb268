/*
 * An http:// fetch through a proxy. libgit2 (1.5.1, and still today)
 * writes the absolute-form request a proxy expects when given one for a
 * plain http URL, but opens its connection to the server itself
 * (libgit2 issue #5650); only https goes to the proxy, as a CONNECT tunnel.
 * This module gives libgit2 a plain socket stream (git_stream_register,
 * GIT_STREAM_STANDARD) that connects to the proxy instead, for a fetch
 * child whose URL is http and proxied (verify/source.c): every plain
 * connection of that child is one of that fetch.
 */
#ifndef MAINLINE_SOURCE_PROXY_H
#define MAINLINE_SOURCE_PROXY_H

/*
 * Makes every plain connection libgit2 opens from now on go to the http://
 * proxy at proxy_url (its host and port; default port 1080 as libcurl's,
 * credentials are libgit2's business). Call after git_libgit2_init(), in
 * the fetch child. 0, or ML_FETCH_FAILED with a message.
 */
int source_proxy_register(const char *proxy_url);

#endif
