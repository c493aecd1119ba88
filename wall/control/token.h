/*
 * The control token, read from a file only its owner can read: a token
 * others can read guards nothing. The wall (--token-file) and wallctl
 * (--token-file) read it alike, and refuse it alike.
 */
#ifndef WALL_CONTROL_TOKEN_H
#define WALL_CONTROL_TOKEN_H

#include <glib.h>

/**
 * The token in the file at path, stripped; NULL with error set when the
 * file cannot be read, is not a regular file, has any group or other
 * permission bit ("chmod 600" says the message), or does not hold one
 * word of at least 8 characters. Free it with wall_token_free().
 */
char *wall_token_read(const char *path, GError **error);
/** Overwrite and free a token. Accepts NULL. */
void wall_token_free(char *token);

#endif
