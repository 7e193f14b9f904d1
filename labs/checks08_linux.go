package labs

var lab08Checks = []Check{}
