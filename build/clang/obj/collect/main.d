build/clang/obj/collect/main.o: collect/main.c
