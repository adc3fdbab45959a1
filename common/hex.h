/*
 * hex.h: one hex digit's value, for every parser that reads hex text
 * (RSP packets, System.map lines).
 */
#ifndef KIT_HEX_H
#define KIT_HEX_H

/* 0..15, or -1 for a character that is not a hex digit. */
static inline int kit_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
