/* Golden vectors of torch.nn.LSTM(2, 4) in float32, written by lstm-latex golden
   from float64 weights.
   Each array is named by the trace's path, / as _ and layer 0 as l0; the steps of a direction are
   stacked over time, row t - 1 holding step t (in a reverse direction too).
   NAME_TOLERANCE: what a port in float32 may differ by, entry by entry:
   4 x the largest |float32 - float64| measured + 4 x float32 eps x the largest |value|, rounded up to 2 digits; 0 for what is given.
   NAME_MAX_ABS: the largest |value|; NAME_INT_BITS: the fewest m such that max |v|, rounded
   to a multiple of 2^(m - 15), fits int16's Q{m}.{15 - m}: at most 32767 * 2^(m - 15). */
#ifndef SEED_H
#define SEED_H

#define GOLDEN_SEQ_LEN 1
#define GOLDEN_INPUT_SIZE 2
#define GOLDEN_HIDDEN_SIZE 4
#define GOLDEN_OUTPUT_SIZE 4
#define GOLDEN_NUM_LAYERS 1
#define GOLDEN_NUM_DIRECTIONS 1
#define GOLDEN_NUM_GATES 4
#define GOLDEN_BIAS 1

/* weights/weight_ih_l0 [16, 2]: max |v| 0.47 (Q0.15 in int16) */
#define WEIGHTS_WEIGHT_IH_L0_TOLERANCE 0.0
#define WEIGHTS_WEIGHT_IH_L0_MAX_ABS 0.4699999988079071
#define WEIGHTS_WEIGHT_IH_L0_INT_BITS 0
static const float weights_weight_ih_l0[16][2] = {
  {-0.360000014f, 0.0299999993f},
  {-0.170000002f, -0.0799999982f},
  {0.430000007f, 0.189999998f},
  {-0.219999999f, 0.330000013f},
  {-0.460000008f, 0.0f},
  {-0.0900000036f, -0.25f},
  {0.0900000036f, 0.300000012f},
  {-0.430000007f, -0.0700000003f},
  {-0.0299999993f, 0.370000005f},
  {-0.319999993f, -0.349999994f},
  {-0.219999999f, -0.460000008f},
  {-0.0199999996f, 0.189999998f},
  {-0.400000006f, 0.219999999f},
  {0.0799999982f, -0.439999998f},
  {-0.349999994f, -0.129999995f},
  {-0.150000006f, -0.469999999f}
};

/* weights/weight_hh_l0 [16, 4]: max |v| 0.48 (Q0.15 in int16) */
#define WEIGHTS_WEIGHT_HH_L0_TOLERANCE 0.0
#define WEIGHTS_WEIGHT_HH_L0_MAX_ABS 0.47999998927116394
#define WEIGHTS_WEIGHT_HH_L0_INT_BITS 0
static const float weights_weight_hh_l0[16][4] = {
  {-0.469999999f, 0.159999996f, -0.180000007f, -0.280000001f},
  {0.449999988f, -0.289999992f, -0.430000007f, -0.00999999978f},
  {0.0399999991f, -0.439999998f, 0.0199999996f, -0.0199999996f},
  {-0.349999994f, 0.150000006f, -0.409999996f, -0.0700000003f},
  {0.100000001f, -0.189999998f, -0.239999995f, 0.449999988f},
  {0.0799999982f, -0.129999995f, -0.0500000007f, 0.379999995f},
  {-0.219999999f, 0.360000014f, 0.430000007f, 0.109999999f},
  {0.310000002f, 0.00999999978f, -0.409999996f, -0.109999999f},
  {-0.219999999f, -0.379999995f, -0.439999998f, -0.479999989f},
  {0.0900000036f, -0.360000014f, -0.349999994f, 0.0500000007f},
  {0.0500000007f, -0.25999999f, 0.239999995f, -0.170000002f},
  {-0.0500000007f, 0.159999996f, 0.300000012f, 0.0900000036f},
  {0.200000003f, 0.449999988f, 0.0700000003f, -0.0799999982f},
  {0.119999997f, 0.409999996f, 0.449999988f, -0.239999995f},
  {-0.389999986f, 0.119999997f, 0.0f, 0.25f},
  {-0.0199999996f, 0.469999999f, 0.0500000007f, -0.430000007f}
};

/* weights/bias_ih_l0 [16]: max |v| 0.47 (Q0.15 in int16) */
#define WEIGHTS_BIAS_IH_L0_TOLERANCE 0.0
#define WEIGHTS_BIAS_IH_L0_MAX_ABS 0.4699999988079071
#define WEIGHTS_BIAS_IH_L0_INT_BITS 0
static const float weights_bias_ih_l0[16] = {0.469999999f, 0.200000003f, 0.230000004f, -0.239999995f, 0.0199999996f, -0.280000001f, -0.319999993f, 0.00999999978f, -0.419999987f, 0.289999992f, 0.460000008f, 0.119999997f, 0.449999988f, -0.409999996f, 0.300000012f, 0.109999999f};

/* weights/bias_hh_l0 [16]: max |v| 0.47 (Q0.15 in int16) */
#define WEIGHTS_BIAS_HH_L0_TOLERANCE 0.0
#define WEIGHTS_BIAS_HH_L0_MAX_ABS 0.4699999988079071
#define WEIGHTS_BIAS_HH_L0_INT_BITS 0
static const float weights_bias_hh_l0[16] = {-0.439999998f, 0.150000006f, -0.119999997f, 0.349999994f, -0.129999995f, -0.180000007f, -0.439999998f, -0.469999999f, 0.00999999978f, 0.170000002f, 0.180000007f, -0.230000004f, -0.319999993f, -0.189999998f, 0.0500000007f, 0.140000001f};

/* x [1, 2]: max |v| 0.5 (Q0.15 in int16) */
#define X_TOLERANCE 0.0
#define X_MAX_ABS 0.5
#define X_INT_BITS 0
static const float x[1][2] = {
  {0.5f, 0.100000001f}
};

/* h0 [1, 4]: max |v| 0.5 (Q0.15 in int16) */
#define H0_TOLERANCE 0.0
#define H0_MAX_ABS 0.5
#define H0_INT_BITS 0
static const float h0[1][4] = {
  {-0.5f, 0.180000007f, 0.109999999f, -0.0599999987f}
};

/* c0 [1, 4]: max |v| 0.76 (Q0.15 in int16) */
#define C0_TOLERANCE 0.0
#define C0_MAX_ABS 0.7599999904632568
#define C0_INT_BITS 0
static const float c0[1][4] = {
  {-0.469999999f, 0.319999993f, -0.75999999f, 0.469999999f}
};

/* 0/forward/x [1, 2]: max |v| 0.5 (Q0.15 in int16) */
#define L0_FORWARD_X_TOLERANCE 2.5e-07
#define L0_FORWARD_X_MAX_ABS 0.5
#define L0_FORWARD_X_INT_BITS 0
static const float l0_forward_x[1][2] = {
  {0.5f, 0.100000001f}
};

/* 0/forward/h_prev [1, 4]: max |v| 0.5 (Q0.15 in int16) */
#define L0_FORWARD_H_PREV_TOLERANCE 2.7e-07
#define L0_FORWARD_H_PREV_MAX_ABS 0.5
#define L0_FORWARD_H_PREV_INT_BITS 0
static const float l0_forward_h_prev[1][4] = {
  {-0.5f, 0.180000007f, 0.109999999f, -0.0599999987f}
};

/* 0/forward/c_prev [1, 4]: max |v| 0.76 (Q0.15 in int16) */
#define L0_FORWARD_C_PREV_TOLERANCE 4.1e-07
#define L0_FORWARD_C_PREV_MAX_ABS 0.7599999904632568
#define L0_FORWARD_C_PREV_INT_BITS 0
static const float l0_forward_c_prev[1][4] = {
  {-0.469999999f, 0.319999993f, -0.75999999f, 0.469999999f}
};

/* 0/forward/gates/i/input_affine [1, 4]: max |v| 0.464 (Q0.15 in int16) */
#define L0_FORWARD_GATES_I_INPUT_AFFINE_TOLERANCE 2.9e-07
#define L0_FORWARD_GATES_I_INPUT_AFFINE_MAX_ABS 0.46399998664855957
#define L0_FORWARD_GATES_I_INPUT_AFFINE_INT_BITS 0
static const float l0_forward_gates_i_input_affine[1][4] = {
  {0.292999983f, 0.107000001f, 0.463999987f, -0.317000002f}
};

/* 0/forward/gates/i/hidden_affine [1, 4]: max |v| 0.511 (Q0.15 in int16) */
#define L0_FORWARD_GATES_I_HIDDEN_AFFINE_TOLERANCE 3.4e-07
#define L0_FORWARD_GATES_I_HIDDEN_AFFINE_MAX_ABS 0.5110999941825867
#define L0_FORWARD_GATES_I_HIDDEN_AFFINE_INT_BITS 0
static const float l0_forward_gates_i_hidden_affine[1][4] = {
  {-0.179200023f, -0.173899978f, -0.215800002f, 0.511099994f}
};

/* 0/forward/gates/i/preactivation [1, 4]: max |v| 0.248 (Q0.15 in int16) */
#define L0_FORWARD_GATES_I_PREACTIVATION_TOLERANCE 2.9e-07
#define L0_FORWARD_GATES_I_PREACTIVATION_MAX_ABS 0.24819998443126678
#define L0_FORWARD_GATES_I_PREACTIVATION_INT_BITS 0
static const float l0_forward_gates_i_preactivation[1][4] = {
  {0.113799959f, -0.0668999776f, 0.248199984f, 0.194099993f}
};

/* 0/forward/gates/i/activation [1, 4]: max |v| 0.562 (Q0.15 in int16) */
#define L0_FORWARD_GATES_I_ACTIVATION_TOLERANCE 3.6e-07
#define L0_FORWARD_GATES_I_ACTIVATION_MAX_ABS 0.5617334246635437
#define L0_FORWARD_GATES_I_ACTIVATION_INT_BITS 0
static const float l0_forward_gates_i_activation[1][4] = {
  {0.528419316f, 0.483281225f, 0.561733425f, 0.548373222f}
};

/* 0/forward/gates/f/input_affine [1, 4]: max |v| 0.35 (Q0.15 in int16) */
#define L0_FORWARD_GATES_F_INPUT_AFFINE_TOLERANCE 2.1e-07
#define L0_FORWARD_GATES_F_INPUT_AFFINE_MAX_ABS 0.3499999940395355
#define L0_FORWARD_GATES_F_INPUT_AFFINE_INT_BITS 0
static const float l0_forward_gates_f_input_affine[1][4] = {
  {-0.210000008f, -0.349999994f, -0.24499999f, -0.211999997f}
};

/* 0/forward/gates/f/hidden_affine [1, 4]: max |v| 0.662 (Q0.15 in int16) */
#define L0_FORWARD_GATES_F_HIDDEN_AFFINE_TOLERANCE 4.2e-07
#define L0_FORWARD_GATES_F_HIDDEN_AFFINE_MAX_ABS 0.6617000102996826
#define L0_FORWARD_GATES_F_HIDDEN_AFFINE_INT_BITS 0
static const float l0_forward_gates_f_hidden_affine[1][4] = {
  {-0.2676f, -0.271700025f, -0.224499986f, -0.66170001f}
};

/* 0/forward/gates/f/preactivation [1, 4]: max |v| 0.874 (Q0.15 in int16) */
#define L0_FORWARD_GATES_F_PREACTIVATION_TOLERANCE 6.2e-07
#define L0_FORWARD_GATES_F_PREACTIVATION_MAX_ABS 0.8737000226974487
#define L0_FORWARD_GATES_F_PREACTIVATION_INT_BITS 0
static const float l0_forward_gates_f_preactivation[1][4] = {
  {-0.477600008f, -0.621700048f, -0.469499975f, -0.873700023f}
};

/* 0/forward/gates/f/activation [1, 4]: max |v| 0.385 (Q0.15 in int16) */
#define L0_FORWARD_GATES_F_ACTIVATION_TOLERANCE 2.8e-07
#define L0_FORWARD_GATES_F_ACTIVATION_MAX_ABS 0.384734570980072
#define L0_FORWARD_GATES_F_ACTIVATION_INT_BITS 0
static const float l0_forward_gates_f_activation[1][4] = {
  {0.382818997f, 0.349394888f, 0.384734571f, 0.294484973f}
};

/* 0/forward/gates/g/input_affine [1, 4]: max |v| 0.398 (Q0.15 in int16) */
#define L0_FORWARD_GATES_G_INPUT_AFFINE_TOLERANCE 3.1e-07
#define L0_FORWARD_GATES_G_INPUT_AFFINE_MAX_ABS 0.39799997210502625
#define L0_FORWARD_GATES_G_INPUT_AFFINE_INT_BITS 0
static const float l0_forward_gates_g_input_affine[1][4] = {
  {-0.397999972f, 0.0949999988f, 0.30400002f, 0.128999993f}
};

/* 0/forward/gates/g/hidden_affine [1, 4]: max |v| 0.149 (Q0.15 in int16) */
#define L0_FORWARD_GATES_G_HIDDEN_AFFINE_TOLERANCE 1.2e-07
#define L0_FORWARD_GATES_G_HIDDEN_AFFINE_MAX_ABS 0.1486000120639801
#define L0_FORWARD_GATES_G_HIDDEN_AFFINE_INT_BITS 0
static const float l0_forward_gates_g_hidden_affine[1][4] = {
  {0.0319999978f, 0.0187000036f, 0.144800007f, -0.148600012f}
};

/* 0/forward/gates/g/preactivation [1, 4]: max |v| 0.449 (Q0.15 in int16) */
#define L0_FORWARD_GATES_G_PREACTIVATION_TOLERANCE 3.5e-07
#define L0_FORWARD_GATES_G_PREACTIVATION_MAX_ABS 0.4488000273704529
#define L0_FORWARD_GATES_G_PREACTIVATION_INT_BITS 0
static const float l0_forward_gates_g_preactivation[1][4] = {
  {-0.365999967f, 0.113700002f, 0.448800027f, -0.0196000189f}
};

/* 0/forward/gates/g/activation [1, 4]: max |v| 0.421 (Q0.15 in int16) */
#define L0_FORWARD_GATES_G_ACTIVATION_TOLERANCE 3.4e-07
#define L0_FORWARD_GATES_G_ACTIVATION_MAX_ABS 0.42091211676597595
#define L0_FORWARD_GATES_G_ACTIVATION_INT_BITS 0
static const float l0_forward_gates_g_activation[1][4] = {
  {-0.350487977f, 0.113212563f, 0.420912117f, -0.0195975099f}
};

/* 0/forward/gates/o/input_affine [1, 4]: max |v| 0.414 (Q0.15 in int16) */
#define L0_FORWARD_GATES_O_INPUT_AFFINE_TOLERANCE 2.8e-07
#define L0_FORWARD_GATES_O_INPUT_AFFINE_MAX_ABS 0.414000004529953
#define L0_FORWARD_GATES_O_INPUT_AFFINE_INT_BITS 0
static const float l0_forward_gates_o_input_affine[1][4] = {
  {0.271999985f, -0.414000005f, 0.112000018f, -0.012000002f}
};

/* 0/forward/gates/o/hidden_affine [1, 4]: max |v| 0.326 (Q0.15 in int16) */
#define L0_FORWARD_GATES_O_HIDDEN_AFFINE_TOLERANCE 2.2e-07
#define L0_FORWARD_GATES_O_HIDDEN_AFFINE_MAX_ABS 0.3264999985694885
#define L0_FORWARD_GATES_O_HIDDEN_AFFINE_INT_BITS 0
static const float l0_forward_gates_o_hidden_affine[1][4] = {
  {-0.326499999f, -0.112299994f, 0.251599997f, 0.265900016f}
};

/* 0/forward/gates/o/preactivation [1, 4]: max |v| 0.526 (Q0.15 in int16) */
#define L0_FORWARD_GATES_O_PREACTIVATION_TOLERANCE 3.4e-07
#define L0_FORWARD_GATES_O_PREACTIVATION_MAX_ABS 0.5263000130653381
#define L0_FORWARD_GATES_O_PREACTIVATION_INT_BITS 0
static const float l0_forward_gates_o_preactivation[1][4] = {
  {-0.0545000136f, -0.526300013f, 0.363600016f, 0.253900021f}
};

/* 0/forward/gates/o/activation [1, 4]: max |v| 0.59 (Q0.15 in int16) */
#define L0_FORWARD_GATES_O_ACTIVATION_TOLERANCE 4.1e-07
#define L0_FORWARD_GATES_O_ACTIVATION_MAX_ABS 0.5899116396903992
#define L0_FORWARD_GATES_O_ACTIVATION_INT_BITS 0
static const float l0_forward_gates_o_activation[1][4] = {
  {0.486378342f, 0.37138027f, 0.58991164f, 0.56313622f}
};

/* 0/forward/forget_term [1, 4]: max |v| 0.292 (Q0.15 in int16) */
#define L0_FORWARD_FORGET_TERM_TOLERANCE 2.1e-07
#define L0_FORWARD_FORGET_TERM_MAX_ABS 0.29239827394485474
#define L0_FORWARD_FORGET_TERM_INT_BITS 0
static const float l0_forward_forget_term[1][4] = {
  {-0.179924935f, 0.111806363f, -0.292398274f, 0.138407931f}
};

/* 0/forward/input_term [1, 4]: max |v| 0.236 (Q0.15 in int16) */
#define L0_FORWARD_INPUT_TERM_TOLERANCE 2.4e-07
#define L0_FORWARD_INPUT_TERM_MAX_ABS 0.23644040524959564
#define L0_FORWARD_INPUT_TERM_INT_BITS 0
static const float l0_forward_input_term[1][4] = {
  {-0.18520461f, 0.0547135063f, 0.236440405f, -0.01074675f}
};

/* 0/forward/c [1, 4]: max |v| 0.365 (Q0.15 in int16) */
#define L0_FORWARD_C_TOLERANCE 3.6e-07
#define L0_FORWARD_C_MAX_ABS 0.3651295304298401
#define L0_FORWARD_C_INT_BITS 0
static const float l0_forward_c[1][4] = {
  {-0.36512953f, 0.166519865f, -0.0559578687f, 0.127661183f}
};

/* 0/forward/tanh_c [1, 4]: max |v| 0.35 (Q0.15 in int16) */
#define L0_FORWARD_TANH_C_TOLERANCE 3.5e-07
#define L0_FORWARD_TANH_C_MAX_ABS 0.3497242331504822
#define L0_FORWARD_TANH_C_INT_BITS 0
static const float l0_forward_tanh_c[1][4] = {
  {-0.349724233f, 0.164997607f, -0.0558995344f, 0.126972154f}
};

/* 0/forward/h [1, 4]: max |v| 0.17 (Q0.15 in int16) */
#define L0_FORWARD_H_TOLERANCE 2.3e-07
#define L0_FORWARD_H_MAX_ABS 0.17009828984737396
#define L0_FORWARD_H_INT_BITS 0
static const float l0_forward_h[1][4] = {
  {-0.17009829f, 0.0612768568f, -0.0329757854f, 0.0715026185f}
};

/* output [1, 4]: max |v| 0.17 (Q0.15 in int16) */
#define OUTPUT_TOLERANCE 2.3e-07
#define OUTPUT_MAX_ABS 0.17009828984737396
#define OUTPUT_INT_BITS 0
static const float output[1][4] = {
  {-0.17009829f, 0.0612768568f, -0.0329757854f, 0.0715026185f}
};

/* h_n [1, 4]: max |v| 0.17 (Q0.15 in int16) */
#define H_N_TOLERANCE 2.3e-07
#define H_N_MAX_ABS 0.17009828984737396
#define H_N_INT_BITS 0
static const float h_n[1][4] = {
  {-0.17009829f, 0.0612768568f, -0.0329757854f, 0.0715026185f}
};

/* c_n [1, 4]: max |v| 0.365 (Q0.15 in int16) */
#define C_N_TOLERANCE 3.6e-07
#define C_N_MAX_ABS 0.3651295304298401
#define C_N_INT_BITS 0
static const float c_n[1][4] = {
  {-0.36512953f, 0.166519865f, -0.0559578687f, 0.127661183f}
};

#endif /* SEED_H */
