build/obj/collect/main.o: collect/main.c
