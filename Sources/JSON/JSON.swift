// JSON module: a JSON value that keeps integer/float distinction and member order.
enum JSONModule {}
