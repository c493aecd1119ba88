/*
 * Text laid out with Pango for Cairo, one way for the wall's own labels
 * and slates and for every plugin that writes (drone HUD, panels): the
 * same font options everywhere, so a picture never depends on the
 * machine's fontconfig settings and golden images match on every host.
 */
#ifndef WALL_TEXT_H
#define WALL_TEXT_H

#include <pango/pangocairo.h>
#include <stdbool.h>

/** Font family for everything the wall and its plugins write. */
#define WALL_TEXT_FONT "Noto Sans CJK SC"

struct wall_text_font {
	/** A Pango font description ("Noto Sans CJK SC", "Sans Italic"); NULL for WALL_TEXT_FONT.
	 */
	const char *description;
	/** Em size in pixels; under 1 counts as 1. */
	double size_px;
	bool bold;
	/** Digits of one width (OpenType tnum), so figures that change do not jump. */
	bool tabular;
	/** One paragraph: a newline shows as a glyph instead of breaking the line. */
	bool single_line;
};

/**
 * A layout of text (NULL counts as "") for cr, in font: no hinting, grey
 * antialiasing. max_width_px > 0 ellipsizes at the end what is wider.
 * Any thread, with a cr of its own. g_object_unref it.
 */
PangoLayout *wall_text_layout(cairo_t *cr, const struct wall_text_font *font, const char *text,
                              double max_width_px);

#endif
