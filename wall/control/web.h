/*
 * The web remote: a page for operators and meeting hosts, served by the
 * --http server on the control thread.
 *
 *   GET  /                the page (assets built in with GResource, web/)
 *   GET  /remote.js ...   its script, style and icon
 *   GET  /api/me          who this page's session belongs to (401 when none)
 *   POST /api/login       {"token": "..."}: sets the session cookie
 *   POST /api/logout      ends it
 *   GET  /ws              the WebSocket of a logged-in page
 *
 * On the WebSocket the page sends protocol lines ("#7 PRESET 2"), which
 * become the same requests as socket lines (dispatch.c), with the peer
 * "web:NAME ADDRESS:PORT", audited the same way; a viewer's lines that
 * would change the wall are refused before they are made. The page hears
 * {"reply": tag, "ok": ..., "result"|"code"+"message"}, every EVENT as
 * {"event": ...}, the cameras' health as {"cameras": [...]} whenever it
 * changes, and, each time it asks with {"miniature": true}, the next PNG
 * of the wall (made about once a second) as a binary message: a page that
 * stops reading is sent no more pictures.
 *
 * Cross-site requests: the cookie is HttpOnly and SameSite=Strict, and a
 * POST or WebSocket whose Origin is not this server's own is refused.
 * Wrong tokens share TCP's backoff per address (auth.c).
 */
#ifndef WALL_CONTROL_WEB_H
#define WALL_CONTROL_WEB_H

#include <cairo.h>
#include <libsoup/soup.h>
#include <stdbool.h>

struct wall_web;
struct wall_server;
struct wall_auth;
struct wall_web_users;
struct wall_camera_health;

/** On the control thread. Takes users; auth and cameras must outlive it. */
struct wall_web *wall_web_new(struct wall_server *server, struct wall_web_users *users,
                              struct wall_auth *auth, struct wall_camera_health *cameras);
/** Accepts NULL. Closes every page's WebSocket. */
void wall_web_free(struct wall_web *web);

/** Add the WebSocket's handler to soup. */
void wall_web_attach(struct wall_web *web, SoupServer *soup);
/** Serve msg when path is the remote's; false when it is not. */
bool wall_web_handle(struct wall_web *web, SoupServerMessage *msg, const char *path);

/** Send an event (its JSON object) to every page. Accepts NULL web. */
void wall_web_broadcast(struct wall_web *web, const char *json);
/** The canvas as drawn, asked for by the miniature's timer: scaled and encoded off this thread. */
void wall_web_miniature(struct wall_web *web, cairo_surface_t *picture);

#endif
