/*
 * A YAML document as a small tree of scalars, sequences and mappings, each
 * node knowing where it stood in the file. libyaml's event API does the
 * parsing; this keeps what the layout loader needs to point at a mistake.
 *
 * Anchors and aliases are refused: a layout is read by people at a wall,
 * and a value defined elsewhere makes every error message harder to follow.
 */
#ifndef WALL_YAML_TREE_H
#define WALL_YAML_TREE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Lists and mappings nest at most this deep; a layout needs five or six.
 * Deeper is refused at the first node past it, with FILE:LINE:COL.
 */
#define WALL_YAML_MAX_DEPTH 64

#define WALL_YAML_ERROR (wall_yaml_error_quark())
GQuark wall_yaml_error_quark(void);

enum wall_yaml_error_code {
	WALL_YAML_ERROR_INVALID = 0,
	/** libyaml could not parse the text. */
	WALL_YAML_ERROR_SYNTAX,
	/** A mapping sets the same key twice. */
	WALL_YAML_ERROR_DUPLICATE_KEY,
	/** Valid YAML we do not accept: aliases, anchors, non-scalar keys, deep nesting. */
	WALL_YAML_ERROR_UNSUPPORTED,
};

enum wall_yaml_kind {
	WALL_YAML_KIND_INVALID = 0,
	WALL_YAML_KIND_SCALAR,
	WALL_YAML_KIND_SEQUENCE,
	WALL_YAML_KIND_MAPPING,
};

struct wall_yaml_pair;

struct wall_yaml_node {
	enum wall_yaml_kind kind;
	/** 1-based, in characters, where the node starts. */
	int line;
	int column;
	/** SCALAR: the text, never NULL ("" for an empty value). */
	char *text;
	/** SCALAR: written without quotes, so "true" and 12 may mean more than text. */
	bool plain;
	/** SEQUENCE: struct wall_yaml_node *; MAPPING: struct wall_yaml_pair *. */
	GPtrArray *items;
};

/** One key and value of a mapping; keys are always scalars. */
struct wall_yaml_pair {
	struct wall_yaml_node *key;
	struct wall_yaml_node *value;
};

/**
 * Parse one YAML document. name is used in messages only. Returns the
 * root node, or NULL with error set to "NAME:LINE:COL: message". An empty
 * document gives an empty plain scalar.
 */
struct wall_yaml_node *wall_yaml_parse(const char *name, const char *text, size_t length,
				       GError **error);
/** Frees the node and everything under it. Accepts NULL. */
void wall_yaml_node_destroy(struct wall_yaml_node *node);

/** The pair whose key is key in a mapping, or NULL. */
const struct wall_yaml_pair *wall_yaml_mapping_find(const struct wall_yaml_node *mapping,
						    const char *key);
/** The value under key in a mapping, or NULL. */
const struct wall_yaml_node *wall_yaml_mapping_get(const struct wall_yaml_node *mapping,
						   const char *key);

#endif
