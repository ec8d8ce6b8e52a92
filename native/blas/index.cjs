"use strict";
throw new Error("@troupe/blas: addon not built");
