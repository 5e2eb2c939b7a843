module example.com/cachemount

go 1.19
