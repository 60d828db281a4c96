/* svg.c - XML escaping, SVG primitives and the label placer (see svg.h). */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>

#include "ldfi/ldfi.h"
#include "src/report/svg.h"

/* Bytes of a valid UTF-8 sequence at `s` (1-4), or 0. */
static int utf8_len(const unsigned char *s)
{
	int n;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1fu;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, cp = s[0] & 0x0fu;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07u;
	else
		return 0;
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
		return 0;
	return n;
}

void ldfi_xml_escape(FILE *f, const char *s, bool attr)
{
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		int n = utf8_len(p);

		if (*p == '&')
			fputs("&amp;", f);
		else if (*p == '<')
			fputs("&lt;", f);
		else if (*p == '>')
			fputs("&gt;", f);
		else if (*p == '"' && attr)
			fputs("&quot;", f);
		else if (*p == '\'' && attr)
			fputs("&apos;", f);
		else if ((*p == '\n' || *p == '\t' || *p == '\r') && attr)
			fprintf(f, "&#%d;", *p);
		else if (*p == '\r')
			fputs("&#13;", f);
		else if (*p < 0x20 && *p != '\n' && *p != '\t')
			fputs("\xef\xbf\xbd", f);
		else if (!n)
			fputs("\xef\xbf\xbd", f);
		else
			fwrite(p, 1, (size_t)n, f);
		p += n ? n : 1;
	}
}

void ldfi_xml_printf(FILE *f, bool attr, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	ldfi_xml_escape(f, s, attr);
	free(s);
}

void ldfi_xml_attr(FILE *f, const char *name, const char *value)
{
	fprintf(f, " %s=\"", name);
	ldfi_xml_escape(f, value, true);
	fputc('"', f);
}

int ldfi_utf8_width(const char *s)
{
	int n = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		n += (*p & 0xc0) != 0x80;
	return n;
}

void ldfi_svg_open(FILE *f, double w, double h, const char *cls, const char *label)
{
	fprintf(f,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		"viewBox=\"0 0 %.0f %.0f\" role=\"img\"",
		ceil(w), ceil(h), ceil(w), ceil(h));
	ldfi_xml_attr(f, "class", cls);
	ldfi_xml_attr(f, "aria-label", label);
	fputs(">\n", f);
}

void ldfi_svg_close(FILE *f)
{
	fputs("</svg>\n", f);
}

void ldfi_svg_text(FILE *f, double x, double y, const char *cls, const char *anchor,
		   const char *text)
{
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\"", x, y);
	if (cls)
		ldfi_xml_attr(f, "class", cls);
	if (anchor && anchor[0] != 's')
		fprintf(f, " text-anchor=\"%s\"", anchor);
	fputc('>', f);
	ldfi_xml_escape(f, text, false);
	fputs("</text>\n", f);
}

void ldfi_svg_line(FILE *f, double x1, double y1, double x2, double y2, const char *cls)
{
	fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"", x1, y1, x2, y2);
	if (cls)
		ldfi_xml_attr(f, "class", cls);
	fputs("/>\n", f);
}

void ldfi_svg_rect(FILE *f, double x, double y, double w, double h, const char *cls)
{
	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"", x, y, w, h);
	if (cls)
		ldfi_xml_attr(f, "class", cls);
	fputs("/>\n", f);
}

void ldfi_svg_arrowhead(FILE *f, double x, double y, double dx, double dy, const char *cls)
{
	double len = hypot(dx, dy), ux, uy, bx, by;

	if (len <= 0)
		return;
	ux = dx / len;
	uy = dy / len;
	bx = x - 8 * ux;
	by = y - 8 * uy;
	fprintf(f, "<path d=\"M%.1f,%.1f L%.1f,%.1f L%.1f,%.1f Z\"", x, y, bx - 3.5 * uy,
		by + 3.5 * ux, bx + 3.5 * uy, by - 3.5 * ux);
	if (cls)
		ldfi_xml_attr(f, "class", cls);
	fputs("/>\n", f);
}

void ldfi_svg_cross(FILE *f, double x, double y, double r, const char *cls)
{
	fprintf(f, "<path d=\"M%.1f,%.1f L%.1f,%.1f M%.1f,%.1f L%.1f,%.1f\"", x - r, y - r, x + r,
		y + r, x - r, y + r, x + r, y - r);
	if (cls)
		ldfi_xml_attr(f, "class", cls);
	fputs("/>\n", f);
}

void ldfi_svg_title(FILE *f, const char *text)
{
	fputs("<title>", f);
	ldfi_xml_escape(f, text, false);
	fputs("</title>\n", f);
}

static double overlap(const struct ldfi_svg_box *a, const struct ldfi_svg_box *b)
{
	double w = fmin(a->x1, b->x1) - fmax(a->x0, b->x0);
	double h = fmin(a->y1, b->y1) - fmax(a->y0, b->y0);

	return w > 0 && h > 0 ? w * h : 0;
}

int ldfi_svg_block(struct ldfi_svg_labels *L, double x0, double y0, double x1, double y1)
{
	if (L->n == L->cap) {
		int cap = L->cap ? 2 * L->cap : 64;
		struct ldfi_svg_box *v = realloc(L->v, (size_t)cap * sizeof(*v));

		if (!v)
			return LDFI_ENOMEM;
		L->v = v;
		L->cap = cap;
	}
	L->v[L->n++] = (struct ldfi_svg_box){x0, y0, x1, y1};
	return 0;
}

int ldfi_svg_place(struct ldfi_svg_labels *L, const double *cx, const double *cy, int n, double w,
		   double h)
{
	double best_area = INFINITY;
	int best = 0, rc;

	for (int i = 0; i < n && best_area > 0; i++) {
		struct ldfi_svg_box b = {cx[i] - w / 2, cy[i] - h / 2, cx[i] + w / 2,
					 cy[i] + h / 2};
		double area = 0;

		for (int k = 0; k < L->n; k++)
			area += overlap(&b, &L->v[k]);
		if (area < best_area) {
			best_area = area;
			best = i;
		}
	}
	rc = ldfi_svg_block(L, cx[best] - w / 2, cy[best] - h / 2, cx[best] + w / 2,
			    cy[best] + h / 2);
	return rc ? rc : best;
}

void ldfi_svg_labels_finish(struct ldfi_svg_labels *L)
{
	free(L->v);
	L->v = NULL;
	L->n = L->cap = 0;
}
