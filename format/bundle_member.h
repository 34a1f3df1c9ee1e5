/*
 * bundle_member.h - one member of a dossier bundle as the signed manifest
 * lists it: name, media type, size and SHA-256. Shared by the manifest
 * codec (format/manifest.h), which encodes and decodes lists of them, and
 * the container (format/bundle.h), which writes members and checks each
 * against its entry while streaming. A plain value, no pointers.
 */
#ifndef DOSSIER_BUNDLE_MEMBER_H
#define DOSSIER_BUNDLE_MEMBER_H

#include <stdint.h>

#define BUNDLE_MEMBER_NAME_MAX  32	/* "ima-sha256.log"; lowercase ASCII, no '/' */
#define BUNDLE_MEDIA_TYPE_MAX   128	/* with parameters: "...; digest=sha1" */
#define BUNDLE_MEMBERS_MAX      16	/* members after MANIFEST */

struct bundle_member {
	char name[BUNDLE_MEMBER_NAME_MAX + 1];		/* NUL-terminated */
	char media_type[BUNDLE_MEDIA_TYPE_MAX + 1];	/* NUL-terminated */
	uint64_t size;
	uint8_t sha256[32];
};

#endif
