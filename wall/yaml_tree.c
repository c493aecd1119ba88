#include "yaml_tree.h"

#include <yaml.h>

G_DEFINE_QUARK(wall-yaml-error-quark, wall_yaml_error)

struct builder {
	const char *name;
	GError **error;
	struct wall_yaml_node *root;
	/** Open sequences and mappings, innermost last. */
	GPtrArray *open;
};

static void pair_free(void *data)
{
	struct wall_yaml_pair *pair = data;
	wall_yaml_node_destroy(pair->key);
	wall_yaml_node_destroy(pair->value);
	g_free(pair);
}

void wall_yaml_node_destroy(struct wall_yaml_node *node)
{
	if (node == NULL) {
		return;
	}
	g_free(node->text);
	if (node->items != NULL) {
		g_ptr_array_unref(node->items);
	}
	g_free(node);
}

static struct wall_yaml_node *node_new(enum wall_yaml_kind kind, yaml_mark_t mark)
{
	struct wall_yaml_node *node = g_new0(struct wall_yaml_node, 1);
	node->kind = kind;
	/* libyaml counts from 0; people and editors count from 1. */
	node->line = (int)mark.line + 1;
	node->column = (int)mark.column + 1;
	if (kind == WALL_YAML_KIND_SEQUENCE) {
		node->items = g_ptr_array_new_with_free_func(
			(GDestroyNotify)wall_yaml_node_destroy);
	} else if (kind == WALL_YAML_KIND_MAPPING) {
		node->items = g_ptr_array_new_with_free_func(pair_free);
	}
	return node;
}

static bool fail_at(struct builder *b, int code, int line, int column, const char *format, ...)
	G_GNUC_PRINTF(5, 6);

static bool fail_at(struct builder *b, int code, int line, int column, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	char *message = g_strdup_vprintf(format, args);
	va_end(args);
	g_set_error(b->error, WALL_YAML_ERROR, code, "%s:%d:%d: %s", b->name, line, column,
		    message);
	g_free(message);
	return false;
}

static bool syntax_error(struct builder *b, const yaml_parser_t *parser)
{
	/* Reader errors (bad encoding) carry no problem mark; the parser's
	 * own mark is where it stopped. */
	yaml_mark_t mark = parser->error == YAML_READER_ERROR ? parser->mark : parser->problem_mark;
	const char *problem = parser->problem != NULL ? parser->problem : "cannot parse YAML";
	if (parser->context != NULL) {
		return fail_at(b, WALL_YAML_ERROR_SYNTAX, (int)mark.line + 1,
			       (int)mark.column + 1, "%s %s started at line %d, column %d", problem,
			       parser->context, (int)parser->context_mark.line + 1,
			       (int)parser->context_mark.column + 1);
	}
	return fail_at(b, WALL_YAML_ERROR_SYNTAX, (int)mark.line + 1, (int)mark.column + 1, "%s",
		       problem);
}

/* Hands node to its parent (or makes it the root). Takes ownership. */
static bool attach(struct builder *b, struct wall_yaml_node *node)
{
	if (b->open->len == 0) {
		b->root = node;
		return true;
	}
	struct wall_yaml_node *parent = g_ptr_array_index(b->open, b->open->len - 1);
	if (parent->kind == WALL_YAML_KIND_SEQUENCE) {
		g_ptr_array_add(parent->items, node);
		return true;
	}

	struct wall_yaml_pair *last =
		parent->items->len > 0 ? g_ptr_array_index(parent->items, parent->items->len - 1)
				       : NULL;
	if (last != NULL && last->value == NULL) {
		last->value = node;
		return true;
	}

	if (node->kind != WALL_YAML_KIND_SCALAR) {
		fail_at(b, WALL_YAML_ERROR_UNSUPPORTED, node->line, node->column,
			"expected a plain key, got a %s",
			node->kind == WALL_YAML_KIND_MAPPING ? "mapping" : "list");
		wall_yaml_node_destroy(node);
		return false;
	}
	const struct wall_yaml_pair *first = wall_yaml_mapping_find(parent, node->text);
	if (first != NULL) {
		fail_at(b, WALL_YAML_ERROR_DUPLICATE_KEY, node->line, node->column,
			"duplicate key \"%s\" (first at line %d, column %d)", node->text,
			first->key->line, first->key->column);
		wall_yaml_node_destroy(node);
		return false;
	}
	struct wall_yaml_pair *pair = g_new0(struct wall_yaml_pair, 1);
	pair->key = node;
	g_ptr_array_add(parent->items, pair);
	return true;
}

static bool refuse_anchor(struct builder *b, const yaml_char_t *anchor, yaml_mark_t mark)
{
	if (anchor == NULL) {
		return true;
	}
	return fail_at(b, WALL_YAML_ERROR_UNSUPPORTED, (int)mark.line + 1, (int)mark.column + 1,
		       "anchors (&%s) are not supported; write the value out", anchor);
}

/* Applies one event. Sets *done at the end of the stream. */
static bool handle_event(struct builder *b, const yaml_event_t *event, bool *done)
{
	struct wall_yaml_node *node;
	switch (event->type) {
	case YAML_STREAM_END_EVENT:
		*done = true;
		return true;
	case YAML_DOCUMENT_START_EVENT:
		if (b->root != NULL) {
			return fail_at(b, WALL_YAML_ERROR_UNSUPPORTED,
				       (int)event->start_mark.line + 1,
				       (int)event->start_mark.column + 1,
				       "expected one YAML document, found a second");
		}
		return true;
	case YAML_ALIAS_EVENT:
		return fail_at(b, WALL_YAML_ERROR_UNSUPPORTED, (int)event->start_mark.line + 1,
			       (int)event->start_mark.column + 1,
			       "aliases (*%s) are not supported; write the value out",
			       event->data.alias.anchor);
	case YAML_SCALAR_EVENT:
		if (!refuse_anchor(b, event->data.scalar.anchor, event->start_mark)) {
			return false;
		}
		node = node_new(WALL_YAML_KIND_SCALAR, event->start_mark);
		node->text = g_strndup((const char *)event->data.scalar.value,
				       event->data.scalar.length);
		node->plain = event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		return attach(b, node);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		bool is_map = event->type == YAML_MAPPING_START_EVENT;
		const yaml_char_t *anchor =
			is_map ? event->data.mapping_start.anchor : event->data.sequence_start.anchor;
		if (!refuse_anchor(b, anchor, event->start_mark)) {
			return false;
		}
		if (b->open->len >= WALL_YAML_MAX_DEPTH) {
			/* Stops at once: libyaml is slow on deep nesting, and the tree's
			 * destroy recurses. */
			return fail_at(b, WALL_YAML_ERROR_UNSUPPORTED,
				       (int)event->start_mark.line + 1,
				       (int)event->start_mark.column + 1,
				       "nested deeper than %d lists and mappings",
				       WALL_YAML_MAX_DEPTH);
		}
		node = node_new(is_map ? WALL_YAML_KIND_MAPPING : WALL_YAML_KIND_SEQUENCE,
				event->start_mark);
		if (!attach(b, node)) {
			return false;
		}
		g_ptr_array_add(b->open, node);
		return true;
	}
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		g_ptr_array_set_size(b->open, b->open->len - 1);
		return true;
	default:
		return true;
	}
}

struct wall_yaml_node *wall_yaml_parse(const char *name, const char *text, size_t length,
				       GError **error)
{
	struct builder b = {
		.name = name,
		.error = error,
		.open = g_ptr_array_new(),
	};
	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser)) {
		g_error("out of memory initialising the YAML parser");
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, length);

	bool done = false;
	bool ok = true;
	while (ok && !done) {
		yaml_event_t event;
		if (!yaml_parser_parse(&parser, &event)) {
			ok = syntax_error(&b, &parser);
			break;
		}
		ok = handle_event(&b, &event, &done);
		yaml_event_delete(&event);
	}
	yaml_parser_delete(&parser);
	g_ptr_array_unref(b.open);

	if (!ok) {
		wall_yaml_node_destroy(b.root);
		return NULL;
	}
	if (b.root == NULL) {
		yaml_mark_t start = {0};
		b.root = node_new(WALL_YAML_KIND_SCALAR, start);
		b.root->text = g_strdup("");
		b.root->plain = true;
	}
	return b.root;
}

const struct wall_yaml_pair *wall_yaml_mapping_find(const struct wall_yaml_node *mapping,
						    const char *key)
{
	if (mapping == NULL || mapping->kind != WALL_YAML_KIND_MAPPING) {
		return NULL;
	}
	for (guint i = 0; i < mapping->items->len; i++) {
		const struct wall_yaml_pair *pair = g_ptr_array_index(mapping->items, i);
		if (g_strcmp0(pair->key->text, key) == 0) {
			return pair;
		}
	}
	return NULL;
}

const struct wall_yaml_node *wall_yaml_mapping_get(const struct wall_yaml_node *mapping,
						   const char *key)
{
	const struct wall_yaml_pair *pair = wall_yaml_mapping_find(mapping, key);
	return pair != NULL ? pair->value : NULL;
}
