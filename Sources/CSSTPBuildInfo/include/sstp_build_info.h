#ifndef SSTP_BUILD_INFO_H
#define SSTP_BUILD_INFO_H

/* The git commit the binary was built from ("unknown" when the build had
   no git checkout): `make` writes it into build_commit.h. */
const char *sstp_build_commit(void);

#endif
