from __future__ import print_function
import numpy as np
try:
    from im2col_cython import col2im_cython, im2col_cython
    from im2col_cython import col2im_6d_cython
except ImportError:
    print('run the following from the cs231n directory and try again:')
    print('python setup.py build_ext --inplace')
    print('You may also need to restart your iPython kernel')


def conv_forward_strides(x, w, b, conv_param):
    raise NotImplementedError('my copy of the starter file lost this function')


conv_forward_fast = conv_forward_strides
