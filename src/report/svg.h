/*
 * svg.h - a small XML writer for the JUnit and HTML reports: text and
 * attribute values escaped for XML 1.0, SVG primitives with numeric
 * coordinates, and a label placer that keeps diagram labels apart.
 */
#ifndef LDFI_SRC_REPORT_SVG_H
#define LDFI_SRC_REPORT_SVG_H

#include <stdbool.h>
#include <stdio.h>

/*
 * Write `s` escaped for XML 1.0 text (attr: for an attribute value, where
 * quotes are escaped and line breaks and tabs kept as character
 * references). Characters XML cannot hold (most control characters,
 * invalid UTF-8) become U+FFFD.
 */
void ldfi_xml_escape(FILE *f, const char *s, bool attr);

/* printf, then ldfi_xml_escape. */
void ldfi_xml_printf(FILE *f, bool attr, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ` name="value"`, the value escaped. */
void ldfi_xml_attr(FILE *f, const char *name, const char *value);

/* Characters of `s` as displayed (UTF-8 code points). */
int ldfi_utf8_width(const char *s);

/* Monospace text metrics of the diagrams (font-size 12px). */
#define LDFI_SVG_CHAR_W 7.3
#define LDFI_SVG_LINE_H 14.0

/* <svg xmlns=... width height viewBox class aria-label> */
void ldfi_svg_open(FILE *f, double w, double h, const char *cls, const char *label);
void ldfi_svg_close(FILE *f);

/* <text x y class text-anchor>text</text>; anchor: "start", "middle", "end". */
void ldfi_svg_text(FILE *f, double x, double y, const char *cls, const char *anchor,
		   const char *text);
void ldfi_svg_line(FILE *f, double x1, double y1, double x2, double y2, const char *cls);
void ldfi_svg_rect(FILE *f, double x, double y, double w, double h, const char *cls);

/* A filled triangle with its tip at (x, y), pointing along (dx, dy). */
void ldfi_svg_arrowhead(FILE *f, double x, double y, double dx, double dy, const char *cls);

/* An X of half-size r centred at (x, y). */
void ldfi_svg_cross(FILE *f, double x, double y, double r, const char *cls);

/* <title>text</title>: the tooltip of the enclosing element. */
void ldfi_svg_title(FILE *f, const char *text);

/* Labels placed so far in one diagram (boxes in SVG coordinates). */
struct ldfi_svg_box {
	double x0, y0, x1, y1;
};

struct ldfi_svg_labels {
	struct ldfi_svg_box *v;
	int n, cap;
};

/*
 * Place a w x h box at the first of the candidate centres (cx[i], cy[i]),
 * i < n, where it overlaps no box placed before (else where it overlaps
 * least), record it and return i; -1 on allocation failure.
 */
int ldfi_svg_place(struct ldfi_svg_labels *L, const double *cx, const double *cy, int n, double w,
		   double h);
/* Record a box that labels should avoid (a line, a mark). 0, or -1 on
 * allocation failure. */
int ldfi_svg_block(struct ldfi_svg_labels *L, double x0, double y0, double x1, double y1);
void ldfi_svg_labels_finish(struct ldfi_svg_labels *L);

#endif
