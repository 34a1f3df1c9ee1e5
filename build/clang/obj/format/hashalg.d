build/clang/obj/format/hashalg.o: format/hashalg.c format/hashalg.h

format/hashalg.h:
